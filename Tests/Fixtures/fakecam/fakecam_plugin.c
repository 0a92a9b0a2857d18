/*
 * termcall fake camera: a libv4l2 plugin that makes a regular file look like a
 * V4L2 capture device, so tests can drive the real libv4l2 / libv4lconvert
 * capture path (v4l2_open, v4l2_ioctl, v4l2_mmap) on machines without a
 * camera or the vivid / v4l2loopback kernel modules.
 *
 * Build and install with scripts/install-fakecam.sh; libv4l2 loads every
 * *.so in <libdir>/libv4l/plugins and asks each plugin's init() in turn.
 *
 * Which files are claimed
 *   Only regular files whose basename starts with "termcall-fakecam"
 *   (e.g. /tmp/termcall-fakecam0). Everything else (real /dev/video* nodes)
 *   gets NULL from init() and is left to libv4l2's default path.
 *   If the basename contains "busy", S_FMT and REQBUFS(count > 0) fail with
 *   EBUSY, as with a camera that another process is streaming from.
 *
 * Emulated device
 *   driver "termcall-fake", card "termcall fake camera",
 *   bus_info "platform:termcall-fake", capture + streaming (MMAP only),
 *   one camera input. One native format: YUYV, discrete sizes 320x240 and
 *   640x480 (default 640x480), discrete intervals 1/30 (default) and 1/15.
 *   Other pixel formats are answered with YUYV, so libv4l2 converts.
 *   Up to 8 buffers. Buffer i lives in the backing file at
 *   offset i * round_up(sizeimage, page size), length sizeimage (the offset
 *   must be page aligned because libv4l2 / the app mmap() the file there;
 *   320*240*2 = 153600 is not a multiple of 4096). The file is grown with
 *   ftruncate() as needed and never shrunk. Frames are written with pwrite()
 *   when a buffer is dequeued; MAP_SHARED mappings of the file see them.
 *   DQBUF never blocks: EAGAIN if not streaming or nothing is queued; a
 *   queued buffer is filled immediately (no frame pacing).
 *
 * Frame content (deterministic, tests assert on it)
 *   n = frame number, 0 for the first frame dequeued after each STREAMON
 *       (also reported as v4l2_buffer.sequence).
 *   For pixel (x, y), 0 <= x < width, 0 <= y < height:
 *       Y(x, y) = (x + y + 4 * n) & 0xFF
 *       U       = 96   (every YUYV chroma sample)
 *       V       = 160  (every YUYV chroma sample)
 *   YUYV bytes of pixel pair (2k, y): Y(2k,y) U Y(2k+1,y) V.
 *   After libv4lconvert converts YUYV -> YU12 (I420) the Y plane equals the
 *   formula exactly and the U / V planes are all 96 / 160 (libv4lconvert
 *   copies luma and averages chroma of two rows, which is exact for constant
 *   chroma; verified with libv4l 1.22.1).
 *
 * Debugging: set TERMCALL_FAKECAM_TRACE=1 to log every ioctl the plugin
 * receives (and its result) to stderr.
 *
 * C99 (gnu99), no dependencies beyond libc and the kernel uapi headers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/version.h>
#include <linux/videodev2.h>
#include <libv4l-plugin.h>

#define FAKECAM_PREFIX "termcall-fakecam"
#define FAKECAM_MAX_BUFFERS 8u
#define FAKECAM_U 96
#define FAKECAM_V 160

#if defined(__GNUC__)
#define FAKECAM_EXPORT __attribute__((visibility("default")))
#else
#define FAKECAM_EXPORT
#endif

static const struct { uint32_t width, height; } fakecam_sizes[] = {
	{ 320, 240 },
	{ 640, 480 },
};
#define FAKECAM_NUM_SIZES (sizeof(fakecam_sizes) / sizeof(fakecam_sizes[0]))

/* timeperframe = numerator / denominator seconds */
static const struct { uint32_t numerator, denominator; } fakecam_intervals[] = {
	{ 1, 30 },
	{ 1, 15 },
};
#define FAKECAM_NUM_INTERVALS \
	(sizeof(fakecam_intervals) / sizeof(fakecam_intervals[0]))

struct fakecam {
	int fd;
	int busy;			/* basename contains "busy" */
	int trace;			/* TERMCALL_FAKECAM_TRACE set */
	pthread_mutex_t lock;
	size_t page_size;

	uint32_t width, height;		/* current (always YUYV) */
	unsigned interval;		/* index into fakecam_intervals */

	unsigned nbufs;
	int streaming;
	uint32_t sequence;		/* frame number n of the next DQBUF */
	int queued[FAKECAM_MAX_BUFFERS];	/* 1 while owned by the "driver" */
	unsigned fifo[FAKECAM_MAX_BUFFERS];	/* queued indices, QBUF order */
	unsigned fifo_len;
	uint32_t bytesused[FAKECAM_MAX_BUFFERS];
	uint32_t buf_sequence[FAKECAM_MAX_BUFFERS];
	struct timeval buf_timestamp[FAKECAM_MAX_BUFFERS];

	unsigned char *frame;		/* scratch for one YUYV frame */
	size_t frame_cap;
};

static uint32_t fc_bytesperline(uint32_t width) { return width * 2; }
static uint32_t fc_sizeimage(uint32_t width, uint32_t height)
{
	return fc_bytesperline(width) * height;
}

static size_t fc_buffer_stride(const struct fakecam *c)
{
	size_t size = fc_sizeimage(c->width, c->height);

	return (size + c->page_size - 1) / c->page_size * c->page_size;
}

static int fc_fail(int err)
{
	errno = err;
	return -1;
}

/* Index of the supported size closest to w x h (ties go to the smaller). */
static unsigned fc_nearest_size(uint32_t w, uint32_t h)
{
	unsigned best = 0;
	uint64_t best_dist = UINT64_MAX;

	for (unsigned i = 0; i < FAKECAM_NUM_SIZES; i++) {
		int64_t dw = (int64_t)w - fakecam_sizes[i].width;
		int64_t dh = (int64_t)h - fakecam_sizes[i].height;
		uint64_t dist = (uint64_t)(dw * dw) + (uint64_t)(dh * dh);

		if (dist < best_dist) {
			best_dist = dist;
			best = i;
		}
	}
	return best;
}

static int fc_size_index(uint32_t w, uint32_t h)
{
	for (unsigned i = 0; i < FAKECAM_NUM_SIZES; i++)
		if (fakecam_sizes[i].width == w && fakecam_sizes[i].height == h)
			return (int)i;
	return -1;
}

static void fc_fill_pix(struct v4l2_format *f, uint32_t w, uint32_t h)
{
	struct v4l2_pix_format *pix = &f->fmt.pix;

	memset(&f->fmt, 0, sizeof(f->fmt));
	pix->width = w;
	pix->height = h;
	pix->pixelformat = V4L2_PIX_FMT_YUYV;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = fc_bytesperline(w);
	pix->sizeimage = fc_sizeimage(w, h);
	pix->colorspace = V4L2_COLORSPACE_SRGB;
	pix->priv = V4L2_PIX_FMT_PRIV_MAGIC;
	pix->flags = 0;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
}

/* Make sure the backing file can hold nbufs buffers of the current size. */
static int fc_ensure_file_size(struct fakecam *c, unsigned nbufs)
{
	struct stat st;
	off_t need = (off_t)(fc_buffer_stride(c) * nbufs);

	if (fstat(c->fd, &st) < 0)
		return -1;
	if (st.st_size >= need)
		return 0;
	return ftruncate(c->fd, need);
}

static void fc_generate_frame(struct fakecam *c, uint32_t n)
{
	unsigned char *p = c->frame;

	for (uint32_t y = 0; y < c->height; y++) {
		for (uint32_t x = 0; x < c->width; x += 2) {
			*p++ = (unsigned char)((x + y + 4u * n) & 0xFFu);
			*p++ = FAKECAM_U;
			*p++ = (unsigned char)((x + 1 + y + 4u * n) & 0xFFu);
			*p++ = FAKECAM_V;
		}
	}
}

static int fc_write_frame(struct fakecam *c, unsigned index, uint32_t n)
{
	size_t size = fc_sizeimage(c->width, c->height);
	off_t off = (off_t)(fc_buffer_stride(c) * index);
	size_t done = 0;

	if (c->frame_cap < size) {
		unsigned char *p = realloc(c->frame, size);

		if (!p)
			return fc_fail(ENOMEM);
		c->frame = p;
		c->frame_cap = size;
	}
	fc_generate_frame(c, n);
	while (done < size) {
		ssize_t w = pwrite(c->fd, c->frame + done, size - done,
				   off + (off_t)done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0)
			return fc_fail(EIO);
		done += (size_t)w;
	}
	return 0;
}

static void fc_fill_buffer(const struct fakecam *c, struct v4l2_buffer *b,
			   unsigned index)
{
	uint32_t type = b->type;

	memset(b, 0, sizeof(*b));
	b->type = type;
	b->index = index;
	b->memory = V4L2_MEMORY_MMAP;
	b->m.offset = (uint32_t)(fc_buffer_stride(c) * index);
	b->length = fc_sizeimage(c->width, c->height);
	b->bytesused = c->bytesused[index];
	b->field = V4L2_FIELD_NONE;
	b->sequence = c->buf_sequence[index];
	b->timestamp = c->buf_timestamp[index];
	b->flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
		   V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	if (c->queued[index])
		b->flags |= V4L2_BUF_FLAG_QUEUED;
	else if (c->bytesused[index])
		b->flags |= V4L2_BUF_FLAG_DONE;
}

static void fc_clear_queue(struct fakecam *c)
{
	for (unsigned i = 0; i < FAKECAM_MAX_BUFFERS; i++)
		c->queued[i] = 0;
	c->fifo_len = 0;
}

/* ---- individual ioctls ------------------------------------------------ */

static int fc_querycap(struct v4l2_capability *cap)
{
	memset(cap, 0, sizeof(*cap));
	snprintf((char *)cap->driver, sizeof(cap->driver), "termcall-fake");
	snprintf((char *)cap->card, sizeof(cap->card), "termcall fake camera");
	snprintf((char *)cap->bus_info, sizeof(cap->bus_info),
		 "platform:termcall-fake");
	cap->version = LINUX_VERSION_CODE;
	cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
	return 0;
}

static int fc_enum_fmt(struct v4l2_fmtdesc *f)
{
	uint32_t index = f->index, type = f->type;

	if (type != V4L2_BUF_TYPE_VIDEO_CAPTURE || index != 0)
		return fc_fail(EINVAL);
	memset(f, 0, sizeof(*f));
	f->index = index;
	f->type = type;
	f->pixelformat = V4L2_PIX_FMT_YUYV;
	snprintf((char *)f->description, sizeof(f->description), "YUYV 4:2:2");
	return 0;
}

static int fc_enum_framesizes(struct v4l2_frmsizeenum *fs)
{
	if (fs->pixel_format != V4L2_PIX_FMT_YUYV ||
	    fs->index >= FAKECAM_NUM_SIZES)
		return fc_fail(EINVAL);
	fs->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	fs->discrete.width = fakecam_sizes[fs->index].width;
	fs->discrete.height = fakecam_sizes[fs->index].height;
	memset(fs->reserved, 0, sizeof(fs->reserved));
	return 0;
}

static int fc_enum_frameintervals(struct v4l2_frmivalenum *fi)
{
	if (fi->pixel_format != V4L2_PIX_FMT_YUYV ||
	    fc_size_index(fi->width, fi->height) < 0 ||
	    fi->index >= FAKECAM_NUM_INTERVALS)
		return fc_fail(EINVAL);
	fi->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fi->discrete.numerator = fakecam_intervals[fi->index].numerator;
	fi->discrete.denominator = fakecam_intervals[fi->index].denominator;
	memset(fi->reserved, 0, sizeof(fi->reserved));
	return 0;
}

static int fc_try_fmt(struct v4l2_format *f)
{
	unsigned i;

	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fc_fail(EINVAL);
	i = fc_nearest_size(f->fmt.pix.width, f->fmt.pix.height);
	fc_fill_pix(f, fakecam_sizes[i].width, fakecam_sizes[i].height);
	return 0;
}

static int fc_s_fmt(struct fakecam *c, struct v4l2_format *f)
{
	if (fc_try_fmt(f) < 0)
		return -1;
	if (c->busy || c->nbufs > 0 || c->streaming)
		return fc_fail(EBUSY);
	c->width = f->fmt.pix.width;
	c->height = f->fmt.pix.height;
	return 0;
}

static int fc_g_fmt(const struct fakecam *c, struct v4l2_format *f)
{
	if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fc_fail(EINVAL);
	fc_fill_pix(f, c->width, c->height);
	return 0;
}

static void fc_fill_parm(const struct fakecam *c, struct v4l2_streamparm *p)
{
	struct v4l2_captureparm *cp = &p->parm.capture;

	memset(&p->parm, 0, sizeof(p->parm));
	cp->capability = V4L2_CAP_TIMEPERFRAME;
	cp->timeperframe.numerator = fakecam_intervals[c->interval].numerator;
	cp->timeperframe.denominator =
		fakecam_intervals[c->interval].denominator;
	cp->readbuffers = 0;
}

static int fc_g_parm(const struct fakecam *c, struct v4l2_streamparm *p)
{
	if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fc_fail(EINVAL);
	fc_fill_parm(c, p);
	return 0;
}

static int fc_s_parm(struct fakecam *c, struct v4l2_streamparm *p)
{
	const struct v4l2_fract *t = &p->parm.capture.timeperframe;

	if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fc_fail(EINVAL);
	/* 0/x or x/0 means "driver default" (1/30), as in most drivers. */
	if (t->numerator && t->denominator) {
		/* choose the interval whose fps is nearest the request */
		double want = (double)t->denominator / t->numerator;
		double best_diff = -1;

		for (unsigned i = 0; i < FAKECAM_NUM_INTERVALS; i++) {
			double fps = (double)fakecam_intervals[i].denominator /
				     fakecam_intervals[i].numerator;
			double diff = fps > want ? fps - want : want - fps;

			if (best_diff < 0 || diff < best_diff) {
				best_diff = diff;
				c->interval = i;
			}
		}
	} else {
		c->interval = 0;
	}
	fc_fill_parm(c, p);
	return 0;
}

static int fc_reqbufs(struct fakecam *c, struct v4l2_requestbuffers *r)
{
	uint32_t count;

	if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE ||
	    r->memory != V4L2_MEMORY_MMAP)
		return fc_fail(EINVAL);
	if (c->streaming)
		return fc_fail(EBUSY);
	count = r->count;
	if (count > FAKECAM_MAX_BUFFERS)
		count = FAKECAM_MAX_BUFFERS;
	if (count > 0 && c->busy)
		return fc_fail(EBUSY);
	if (count > 0 && fc_ensure_file_size(c, count) < 0)
		return -1;

	fc_clear_queue(c);
	c->nbufs = count;
	for (unsigned i = 0; i < FAKECAM_MAX_BUFFERS; i++) {
		c->bytesused[i] = 0;
		c->buf_sequence[i] = 0;
		c->buf_timestamp[i].tv_sec = 0;
		c->buf_timestamp[i].tv_usec = 0;
	}
	r->count = count;
	r->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
	r->flags = 0;
	memset(r->reserved, 0, sizeof(r->reserved));
	return 0;
}

static int fc_check_buffer(const struct fakecam *c, const struct v4l2_buffer *b)
{
	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->index >= c->nbufs)
		return fc_fail(EINVAL);
	return 0;
}

static int fc_querybuf(const struct fakecam *c, struct v4l2_buffer *b)
{
	if (fc_check_buffer(c, b) < 0)
		return -1;
	fc_fill_buffer(c, b, b->index);
	return 0;
}

static int fc_qbuf(struct fakecam *c, struct v4l2_buffer *b)
{
	if (fc_check_buffer(c, b) < 0)
		return -1;
	if (b->memory != V4L2_MEMORY_MMAP || c->queued[b->index])
		return fc_fail(EINVAL);
	c->queued[b->index] = 1;
	c->fifo[c->fifo_len++] = b->index;
	fc_fill_buffer(c, b, b->index);
	return 0;
}

static int fc_dqbuf(struct fakecam *c, struct v4l2_buffer *b)
{
	unsigned index;
	struct timespec ts;

	if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE ||
	    b->memory != V4L2_MEMORY_MMAP)
		return fc_fail(EINVAL);
	if (!c->streaming || c->fifo_len == 0)
		return fc_fail(EAGAIN);

	index = c->fifo[0];
	if (fc_write_frame(c, index, c->sequence) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);

	memmove(&c->fifo[0], &c->fifo[1], (c->fifo_len - 1) * sizeof(c->fifo[0]));
	c->fifo_len--;
	c->queued[index] = 0;
	c->bytesused[index] = fc_sizeimage(c->width, c->height);
	c->buf_sequence[index] = c->sequence++;
	c->buf_timestamp[index].tv_sec = ts.tv_sec;
	c->buf_timestamp[index].tv_usec = ts.tv_nsec / 1000;
	fc_fill_buffer(c, b, index);
	return 0;
}

static int fc_streamon(struct fakecam *c, const int *type)
{
	if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE || c->nbufs == 0)
		return fc_fail(EINVAL);
	if (!c->streaming) {
		c->streaming = 1;
		c->sequence = 0;
	}
	return 0;
}

static int fc_streamoff(struct fakecam *c, const int *type)
{
	if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return fc_fail(EINVAL);
	c->streaming = 0;
	fc_clear_queue(c);	/* STREAMOFF returns all buffers to userspace */
	return 0;
}

static int fc_enuminput(struct v4l2_input *in)
{
	uint32_t index = in->index;

	if (index != 0)
		return fc_fail(EINVAL);
	memset(in, 0, sizeof(*in));
	in->index = index;
	snprintf((char *)in->name, sizeof(in->name), "Camera");
	in->type = V4L2_INPUT_TYPE_CAMERA;
	return 0;
}

/* ---- plugin entry points --------------------------------------------- */

/* Returns 1 if fd is a regular file whose basename starts with the prefix. */
static int fc_is_fake_device(int fd, int *busy)
{
	char link[64], path[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t len;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return 0;
	path[len] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(base, FAKECAM_PREFIX, strlen(FAKECAM_PREFIX)) != 0)
		return 0;
	*busy = strstr(base, "busy") != NULL;
	return 1;
}

/*
 * libv4l2 maps the device buffers PROT_READ|PROT_WRITE, MAP_SHARED (and apps
 * usually do too), which a real V4L2 node allows even when opened O_RDONLY,
 * and we pwrite() frames into the file. So if the app opened the file
 * read-only, swap in a read-write description under the same fd number.
 */
static int fc_make_rdwr(int fd)
{
	char link[64];
	int fl, fdfl, nfd, ret;

	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return -1;
	if ((fl & O_ACCMODE) == O_RDWR)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	nfd = open(link, O_RDWR | (fl & O_NONBLOCK) | O_CLOEXEC);
	if (nfd < 0)
		return -1;
	ret = dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	close(nfd);
	return ret < 0 ? -1 : 0;
}

static void *fakecam_init(int fd)
{
	struct fakecam *c;
	long page;
	int busy = 0, saved = errno;

	if (!fc_is_fake_device(fd, &busy) || fc_make_rdwr(fd) < 0) {
		errno = saved;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = saved;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->fd = fd;
	c->busy = busy;
	c->trace = getenv("TERMCALL_FAKECAM_TRACE") != NULL;
	page = sysconf(_SC_PAGESIZE);
	c->page_size = page > 0 ? (size_t)page : 4096;
	c->width = 640;
	c->height = 480;
	c->interval = 0;
	errno = saved;
	return c;
}

static void fakecam_close(void *priv)
{
	struct fakecam *c = priv;

	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->frame);
	free(c);
}

static const char *fc_ioctl_name(unsigned int request)
{
	static char unknown[32];

	switch (request) {
#define FC_NAME(r) case r: return #r
	FC_NAME(VIDIOC_QUERYCAP);
	FC_NAME(VIDIOC_ENUM_FMT);
	FC_NAME(VIDIOC_ENUM_FRAMESIZES);
	FC_NAME(VIDIOC_ENUM_FRAMEINTERVALS);
	FC_NAME(VIDIOC_G_FMT);
	FC_NAME(VIDIOC_S_FMT);
	FC_NAME(VIDIOC_TRY_FMT);
	FC_NAME(VIDIOC_G_PARM);
	FC_NAME(VIDIOC_S_PARM);
	FC_NAME(VIDIOC_REQBUFS);
	FC_NAME(VIDIOC_QUERYBUF);
	FC_NAME(VIDIOC_QBUF);
	FC_NAME(VIDIOC_DQBUF);
	FC_NAME(VIDIOC_STREAMON);
	FC_NAME(VIDIOC_STREAMOFF);
	FC_NAME(VIDIOC_ENUMINPUT);
	FC_NAME(VIDIOC_G_INPUT);
	FC_NAME(VIDIOC_S_INPUT);
	FC_NAME(VIDIOC_QUERYCTRL);
#undef FC_NAME
	default:
		snprintf(unknown, sizeof(unknown), "ioctl '%c' %u",
			 (int)_IOC_TYPE(request), (unsigned)_IOC_NR(request));
		return unknown;
	}
}

static int fakecam_ioctl(void *priv, int fd, unsigned long int request,
			 void *arg)
{
	struct fakecam *c = priv;
	int ret;

	(void)fd;
	if (!arg)
		return fc_fail(EFAULT);

	pthread_mutex_lock(&c->lock);
	switch ((unsigned int)request) {
	case VIDIOC_QUERYCAP:
		ret = fc_querycap(arg);
		break;
	case VIDIOC_ENUM_FMT:
		ret = fc_enum_fmt(arg);
		break;
	case VIDIOC_ENUM_FRAMESIZES:
		ret = fc_enum_framesizes(arg);
		break;
	case VIDIOC_ENUM_FRAMEINTERVALS:
		ret = fc_enum_frameintervals(arg);
		break;
	case VIDIOC_G_FMT:
		ret = fc_g_fmt(c, arg);
		break;
	case VIDIOC_S_FMT:
		ret = fc_s_fmt(c, arg);
		break;
	case VIDIOC_TRY_FMT:
		ret = fc_try_fmt(arg);
		break;
	case VIDIOC_G_PARM:
		ret = fc_g_parm(c, arg);
		break;
	case VIDIOC_S_PARM:
		ret = fc_s_parm(c, arg);
		break;
	case VIDIOC_REQBUFS:
		ret = fc_reqbufs(c, arg);
		break;
	case VIDIOC_QUERYBUF:
		ret = fc_querybuf(c, arg);
		break;
	case VIDIOC_QBUF:
		ret = fc_qbuf(c, arg);
		break;
	case VIDIOC_DQBUF:
		ret = fc_dqbuf(c, arg);
		break;
	case VIDIOC_STREAMON:
		ret = fc_streamon(c, arg);
		break;
	case VIDIOC_STREAMOFF:
		ret = fc_streamoff(c, arg);
		break;
	case VIDIOC_ENUMINPUT:
		ret = fc_enuminput(arg);
		break;
	case VIDIOC_G_INPUT:
		*(int *)arg = 0;
		ret = 0;
		break;
	case VIDIOC_S_INPUT:
		ret = *(int *)arg == 0 ? 0 : fc_fail(EINVAL);
		break;
	default:
		ret = fc_fail(ENOTTY);
		break;
	}
	if (ret < 0) {
		int err = errno;

		pthread_mutex_unlock(&c->lock);
		if (c->trace)
			fprintf(stderr, "fakecam: %s -> %s\n",
				fc_ioctl_name((unsigned int)request),
				strerror(err));
		errno = err;
		return -1;
	}
	pthread_mutex_unlock(&c->lock);
	if (c->trace)
		fprintf(stderr, "fakecam: %s -> 0\n",
			fc_ioctl_name((unsigned int)request));
	return 0;
}

/* No read() I/O (no V4L2_CAP_READWRITE); libv4l2 emulates read() via mmap. */
static ssize_t fakecam_read(void *priv, int fd, void *buf, size_t n)
{
	(void)priv; (void)fd; (void)buf; (void)n;
	errno = EINVAL;
	return -1;
}

static ssize_t fakecam_write(void *priv, int fd, const void *buf, size_t n)
{
	(void)priv; (void)fd; (void)buf; (void)n;
	errno = EINVAL;
	return -1;
}

FAKECAM_EXPORT struct libv4l_dev_ops libv4l2_plugin = {
	.init = fakecam_init,
	.close = fakecam_close,
	.ioctl = fakecam_ioctl,
	.read = fakecam_read,
	.write = fakecam_write,
};
