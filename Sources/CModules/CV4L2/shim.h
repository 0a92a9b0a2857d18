// libv4l2 for Swift: v4l2_open/v4l2_ioctl are variadic and VIDIOC_* / V4L2_PIX_FMT_* are macros.
#ifndef TERMCALL_CV4L2_SHIM_H
#define TERMCALL_CV4L2_SHIM_H
#include <fcntl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>
#include <libv4l2.h>

static inline int tc_v4l2_open(const char *path, int flags) { return v4l2_open(path, flags); }
static inline int tc_v4l2_ioctl(int fd, unsigned long request, void *arg) { return v4l2_ioctl(fd, request, arg); }

static const unsigned long TC_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long TC_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long TC_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long TC_VIDIOC_ENUM_FRAMEINTERVALS = VIDIOC_ENUM_FRAMEINTERVALS;
static const unsigned long TC_VIDIOC_G_FMT = VIDIOC_G_FMT;
static const unsigned long TC_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long TC_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long TC_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long TC_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long TC_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long TC_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long TC_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long TC_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long TC_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

static const unsigned int TC_PIX_FMT_YUV420 = V4L2_PIX_FMT_YUV420;
static const unsigned int TC_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const unsigned int TC_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
static const unsigned int TC_CAP_VIDEO_CAPTURE = V4L2_CAP_VIDEO_CAPTURE;
static const unsigned int TC_CAP_STREAMING = V4L2_CAP_STREAMING;
static const unsigned int TC_CAP_DEVICE_CAPS = V4L2_CAP_DEVICE_CAPS;
static const unsigned int TC_FMT_FLAG_EMULATED = V4L2_FMT_FLAG_EMULATED;
static const unsigned int TC_BUF_FLAG_TIMESTAMP_MONOTONIC = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
static const unsigned int TC_BUF_FLAG_TIMESTAMP_MASK = V4L2_BUF_FLAG_TIMESTAMP_MASK;
static const unsigned int TC_BUF_FLAG_ERROR = V4L2_BUF_FLAG_ERROR;
static const unsigned int TC_CAP_TIMEPERFRAME = V4L2_CAP_TIMEPERFRAME;
#endif
