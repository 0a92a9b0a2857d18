// usrsctp for Swift. SwiftPM drops pkg-config's -DINET -DINET6, so define them before the include.
// The socket options and callbacks of SCTP over DTLS (RFC 8261) are set up here in C: they are
// structs with flexible arrays and unions passed by value, which Swift handles poorly. The SCTP
// module's SctpAssociation is the only caller.
#ifndef TERMCALL_CUSRSCTP_SHIM_H
#define TERMCALL_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <usrsctp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>

/* Events handed to Swift, flattened. */
enum { TC_SCTP_DATA = 1, TC_SCTP_UP = 2, TC_SCTP_DOWN = 3, TC_SCTP_RESET_INCOMING = 4, TC_SCTP_RESET_OUTGOING = 5, TC_SCTP_DRY = 6 };

typedef void (*tc_sctp_output_handler)(void *owner, const void *bytes, size_t length);
typedef void (*tc_sctp_event_handler)(void *owner, int kind, const void *bytes, size_t length, uint16_t stream, uint32_t ppid, int flags);

/* One per association: its AF_CONN address and the ulp_info of its socket, so callbacks find
 * their owner without process-wide state. */
typedef struct tc_sctp_context {
    tc_sctp_output_handler output;
    tc_sctp_event_handler event;
    void *owner;
} tc_sctp_context;

static int tc_sctp_conn_output(void *address, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
    (void)tos; (void)set_df;
    tc_sctp_context *c = (tc_sctp_context *)address;
    if (c && c->output) c->output(c->owner, buffer, length);
    return 0;
}

static int tc_sctp_receive(struct socket *sock, union sctp_sockstore addr, void *data, size_t length,
                           struct sctp_rcvinfo info, int flags, void *ulp) {
    (void)sock; (void)addr;
    if (data == NULL) return 1;
    tc_sctp_context *c = (tc_sctp_context *)ulp;
    if (!c || !c->event) { free(data); return 1; }
    void *context = c->owner;
    tc_sctp_event_handler tc_sctp_event_to_swift = c->event;
    if (flags & MSG_NOTIFICATION) {
        union sctp_notification *n = (union sctp_notification *)data;
        if (n->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
            uint16_t state = n->sn_assoc_change.sac_state;
            if (state == SCTP_COMM_UP || state == SCTP_RESTART) tc_sctp_event_to_swift(context, TC_SCTP_UP, NULL, 0, 0, 0, 0);
            else if (state == SCTP_COMM_LOST || state == SCTP_SHUTDOWN_COMP || state == SCTP_CANT_STR_ASSOC)
                tc_sctp_event_to_swift(context, TC_SCTP_DOWN, NULL, 0, 0, 0, state);
        } else if (n->sn_header.sn_type == SCTP_STREAM_RESET_EVENT) {
            struct sctp_stream_reset_event *r = &n->sn_strreset_event;
            size_t count = (r->strreset_length - sizeof(struct sctp_stream_reset_event)) / sizeof(uint16_t);
            int kind = (r->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) ? TC_SCTP_RESET_INCOMING : TC_SCTP_RESET_OUTGOING;
            if (!(r->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)))
                for (size_t i = 0; i < count; i++) tc_sctp_event_to_swift(context, kind, NULL, 0, r->strreset_stream_list[i], 0, 0);
        } else if (n->sn_header.sn_type == SCTP_SENDER_DRY_EVENT) {
            tc_sctp_event_to_swift(context, TC_SCTP_DRY, NULL, 0, 0, 0, 0);
        }
    } else {
        tc_sctp_event_to_swift(context, TC_SCTP_DATA, data, length, info.rcv_sid, ntohl(info.rcv_ppid), flags); /* MSG_EOR ends a message */
    }
    free(data);
    return 1;
}

/* usrsctp without its own threads: timers are driven by usrsctp_handle_timers from our clock. */
static inline void tc_sctp_start(void) {
    usrsctp_init_nothreads(0, tc_sctp_conn_output, NULL);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_blackhole(2);
    usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(1024);
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
    /* Interactive calls: retransmit after 200 ms at the earliest (the 1 s default suits bulk TCP-like
     * paths, not chat), and give up on an unanswered INIT sooner. */
    usrsctp_sysctl_set_sctp_rto_min_default(200);
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
    usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
}

/* One association's socket: AF_CONN with our context pointer as its address, port 5000 both ends
 * (RFC 8841), non-blocking, SCTP_NODELAY, stream reset enabled, round-robin stream scheduling so a
 * bulk transfer cannot starve chat, path MTU fixed to what fits one DTLS record. */
static inline struct socket *tc_sctp_open(tc_sctp_context *context, uint16_t local_port, uint16_t remote_port, uint32_t mtu, int send_buffer, int connect) {
    usrsctp_register_address(context);
    struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, tc_sctp_receive, NULL, 0, context);
    if (!s) return NULL;
    usrsctp_set_non_blocking(s, 1);
    int on = 1;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
    struct linger l = { 1, 0 };
    usrsctp_setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof(send_buffer));
    int receive_buffer = 4 * 1024 * 1024;
    usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    struct sctp_assoc_value reset = { SCTP_ALL_ASSOC, SCTP_ENABLE_RESET_STREAM_REQ };
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset));
    struct sctp_assoc_value scheduler = { SCTP_ALL_ASSOC, SCTP_SS_ROUND_ROBIN };
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &scheduler, sizeof(scheduler));
    /* DATA chunks sized so every SCTP packet fits one DTLS record, from the first one on
     * (the path MTU below only applies once the association exists). */
    struct sctp_assoc_value segment = { SCTP_FUTURE_ASSOC, mtu - 12 - 16 - 8 };
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_MAXSEG, &segment, sizeof(segment));
    struct sctp_initmsg init; memset(&init, 0, sizeof(init));
    init.sinit_num_ostreams = 1024; init.sinit_max_instreams = 1024;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init));
    uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SENDER_DRY_EVENT };
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        struct sctp_event e; memset(&e, 0, sizeof(e));
        e.se_assoc_id = SCTP_ALL_ASSOC; e.se_on = 1; e.se_type = events[i];
        usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof(e));
    }
    struct sockaddr_conn local; memset(&local, 0, sizeof(local));
    local.sconn_family = AF_CONN; local.sconn_port = htons(local_port); local.sconn_addr = context;
    if (usrsctp_bind(s, (struct sockaddr *)&local, sizeof(local)) < 0) { usrsctp_close(s); return NULL; }
    if (connect) {
        struct sockaddr_conn remote = local; remote.sconn_port = htons(remote_port);
        int r = usrsctp_connect(s, (struct sockaddr *)&remote, sizeof(remote));
        if (r < 0 && errno != EINPROGRESS) { usrsctp_close(s); return NULL; }
        struct sctp_paddrparams p; memset(&p, 0, sizeof(p));
        memcpy(&p.spp_address, &remote, sizeof(remote));
        p.spp_flags = SPP_PMTUD_DISABLE; p.spp_pathmtu = mtu;
        usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &p, sizeof(p));
    }
    return s;
}

/* Sends one message. pr_policy: 0 reliable, SCTP_PR_SCTP_RTX (value = retransmits) or
 * SCTP_PR_SCTP_TTL (value = ms). Returns bytes sent, or -errno (EWOULDBLOCK: buffer full). */
static inline long tc_sctp_send(struct socket *s, const void *bytes, size_t length, uint16_t stream, uint32_t ppid,
                                int unordered, int pr_policy, uint32_t pr_value) {
    struct sctp_sendv_spa spa; memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
    if (pr_policy) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = (uint16_t)pr_policy;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    ssize_t n = usrsctp_sendv(s, bytes, length, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
    return n < 0 ? -(long)errno : (long)n;
}

/* Resets our outgoing side of these streams (RFC 6525), how a data channel closes (RFC 8831 §6.7). */
static inline int tc_sctp_reset_outgoing(struct socket *s, const uint16_t *streams, uint16_t count) {
    size_t size = sizeof(struct sctp_reset_streams) + count * sizeof(uint16_t);
    struct sctp_reset_streams *r = (struct sctp_reset_streams *)calloc(1, size);
    if (!r) return -1;
    r->srs_assoc_id = SCTP_ALL_ASSOC;
    r->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    r->srs_number_streams = count;
    memcpy(r->srs_stream_list, streams, count * sizeof(uint16_t));
    int result = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)size);
    free(r);
    return result;
}

static inline int tc_sctp_pr_rtx(void) { return SCTP_PR_SCTP_RTX; }
static inline int tc_sctp_pr_ttl(void) { return SCTP_PR_SCTP_TTL; }
static inline int tc_sctp_unordered_flag(void) { return SCTP_UNORDERED; }
#endif
