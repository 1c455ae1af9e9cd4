#ifndef HOIST_CLIBSSH2_SHIM_H
#define HOIST_CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_publickey.h>
#include <libssh2_sftp.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

// libssh2's convenience calls are C macros, which Swift cannot see; these re-export the
// ones Hoist uses as functions.

// libssh2's allocations go through malloc explicitly, so the session struct is a malloc
// block whose extent malloc_usable_size knows (see hoist_libssh2_session_init).
static inline void *hoist_libssh2_alloc(size_t count, void **abstract) { (void)abstract; return malloc(count); }
static inline void hoist_libssh2_dealloc(void *pointer, void **abstract) { (void)abstract; free(pointer); }
static inline void *hoist_libssh2_realloc(void *pointer, size_t count, void **abstract) { (void)abstract; return realloc(pointer, count); }

static inline uintptr_t hoist_page_size(void) { return (uintptr_t)sysconf(_SC_PAGESIZE); }
// The start of the first page at or after `at`.
static inline uintptr_t hoist_page_up(uintptr_t at) { return (at + hoist_page_size() - 1) & ~(hoist_page_size() - 1); }
// The start of the page `at` is in.
static inline uintptr_t hoist_page_down(uintptr_t at) { return at & ~(hoist_page_size() - 1); }

// Gives the kernel back every whole page of [start, start + count) that holds only zero
// bytes. The memory stays the caller's: a page given back reads as zeros again (private
// anonymous memory after MADV_DONTNEED) and costs nothing until it is written.
static inline void hoist_release_zero_pages(void *start, size_t count) {
    uintptr_t page = hoist_page_size();
    uintptr_t first = hoist_page_up((uintptr_t)start);
    uintptr_t end = hoist_page_down((uintptr_t)start + count);
    uintptr_t run = 0;  // start of the current run of zero pages, 0 if none
    for (uintptr_t at = first; at < end; at += page) {
        const uint64_t *word = (const uint64_t *)at;
        int zero = 1;
        for (size_t i = 0; i < page / sizeof(uint64_t); i++) {
            if (word[i]) { zero = 0; break; }
        }
        if (zero && !run) run = at;
        if (!zero && run) { madvise((void *)run, at - run, MADV_DONTNEED); run = 0; }
    }
    if (run) madvise((void *)run, end - run, MADV_DONTNEED);
}

// The kernel's smoothed round-trip time of a TCP socket in microseconds, or -1 (not TCP,
// no sample yet). Unlike a command's duration, a busy host's scheduler does not stretch it:
// the host's kernel acknowledges.
static inline long hoist_tcp_round_trip_microseconds(int descriptor) {
    struct tcp_info info;
    socklen_t length = sizeof info;
    if (getsockopt(descriptor, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 || info.tcpi_rtt == 0) return -1;
    return (long)info.tcpi_rtt;
}

// Milliseconds since the TCP socket last received data (not bare acknowledgements), as the
// kernel counts them, or -1 (not TCP). A host whose sshd is suspended still acknowledges;
// only data says it is alive (`PeerWatch`).
static inline long hoist_tcp_milliseconds_since_data_received(int descriptor) {
    struct tcp_info info;
    socklen_t length = sizeof info;
    if (getsockopt(descriptor, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return -1;
    return (long)info.tcpi_last_data_recv;
}

// glibc's malloc.h is not part of Swift's Glibc module.
static inline void hoist_malloc_trim(void) { malloc_trim(0); }

// Gives the kernel back every whole page strictly inside [low, high). The caller knows the
// bytes there are dead: they read as zeros afterwards.
static inline void hoist_release_whole_pages(uintptr_t low, uintptr_t high) {
    uintptr_t first = hoist_page_up(low);
    uintptr_t end = hoist_page_down(high);
    if (end > first) madvise((void *)first, end - first, MADV_DONTNEED);
}

// Where a libssh2 session's packet buffers are, learnt from the pointers it passes its send
// and receive callbacks: libssh2 1.10 embeds both buffers in its session struct and does all
// its socket I/O through these two callbacks, so a pointer inside the struct is a pointer
// into one of them (the banner and the agent's messages live elsewhere).
typedef struct {
    uintptr_t start, end;             // the session struct
    uintptr_t sent_low, sent_high;    // the part of the write buffer sent from so far
    uintptr_t read_low, read_high;    // the part of the read buffer received into so far
    unsigned long read_releases;      // how often the read buffer's pages went back
    int confused;                     // a pointer fell where no buffer of libssh2 1.10 could be: release nothing
} hoist_packet_buffers;

// Larger than libssh2 1.10's write buffer (35,000 bytes plus its MAC) and read buffer
// (16 KiB): a span past it is not one buffer, so nothing is released in that session.
enum { HOIST_LARGEST_PACKET_BUFFER = 36 << 10 };
// The write buffer is at least this long: the largest packet every SSH implementation must
// handle (RFC 4253, 6.1), which libssh2 sizes it for; the page its last packet ended in is
// released only as far as this goes.
enum { HOIST_SMALLEST_WRITE_BUFFER = 35000 };

static inline void hoist_packet_span(hoist_packet_buffers *buffers, uintptr_t *low, uintptr_t *high,
                                     uintptr_t start, size_t count) {
    if (start < buffers->start || start >= buffers->end) return;
    // The first packet is sent from, and read into, the start of its buffer: nothing later
    // comes from below it, nor reaches further than a buffer.
    if (!*low) *low = start;
    if (start < *low) buffers->confused = 1;
    if (start + count > *high) *high = start + count;
    if (*high - *low > HOIST_LARGEST_PACKET_BUFFER) buffers->confused = 1;
}

static inline ssize_t hoist_libssh2_send(libssh2_socket_t socket, const void *buffer, size_t length,
                                         int flags, void **abstract) {
    ssize_t sent = send(socket, buffer, length, flags);
    if (sent < 0) return -errno;  // as libssh2's own: EAGAIN comes back as -EAGAIN
    hoist_packet_buffers *buffers = *abstract;
    if (buffers) hoist_packet_span(buffers, &buffers->sent_low, &buffers->sent_high, (uintptr_t)buffer, (size_t)sent);
    return sent;
}

// A read into the very start of the read buffer means it holds nothing unread (libssh2 moves
// a partial packet to the start and reads after it): the pages a burst of incoming data
// filled earlier are dead, and go back before this read.
static inline ssize_t hoist_libssh2_recv(libssh2_socket_t socket, void *buffer, size_t length,
                                         int flags, void **abstract) {
    hoist_packet_buffers *buffers = *abstract;
    uintptr_t start = (uintptr_t)buffer;
    if (buffers && !buffers->confused && start == buffers->read_low
        && buffers->read_high > buffers->read_low + 2 * hoist_page_size()) {
        // The page the last burst ended in is dead too, as far as the buffer goes: a read at
        // its start is given the whole buffer.
        uintptr_t touched = hoist_page_up(buffers->read_high);
        hoist_release_whole_pages(buffers->read_low, touched < start + length ? touched : start + length);
        buffers->read_high = buffers->read_low;
        buffers->read_releases++;
    }
    ssize_t received = recv(socket, buffer, length, flags);
    if (received < 0) return -errno;
    if (buffers) hoist_packet_span(buffers, &buffers->read_low, &buffers->read_high, start, (size_t)received);
    return received;
}

// libssh2 1.10 embeds its 16 KiB read buffer and its 35 KB largest-packet write buffer in
// the session struct (about 54 KB) and zeroes all of it, so every session costs 54 KB of
// resident memory before it has sent a byte. The buffers are written only as far as the
// packets a session sends and receives; the rest stays zero, and its pages go back to the
// kernel here: a session that only runs commands keeps a few pages of each buffer. The
// send and receive callbacks learn where the buffers are, so that the pages a large write
// or a burst of input touched can go back too (hoist_libssh2_release_sent_pages, and
// hoist_libssh2_recv).
static inline LIBSSH2_SESSION *hoist_libssh2_session_init(void) {
    hoist_packet_buffers *buffers = calloc(1, sizeof *buffers);
    if (!buffers) return NULL;
    LIBSSH2_SESSION *session = libssh2_session_init_ex(hoist_libssh2_alloc, hoist_libssh2_dealloc,
                                                       hoist_libssh2_realloc, buffers);
    if (!session) { free(buffers); return NULL; }
    buffers->start = (uintptr_t)session;
    buffers->end = buffers->start + malloc_usable_size(session);
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, (void *)hoist_libssh2_send);
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)hoist_libssh2_recv);
    hoist_release_zero_pages(session, malloc_usable_size(session));
    return session;
}

static inline void hoist_libssh2_session_free(LIBSSH2_SESSION *session) {
    void *buffers = *libssh2_session_abstract(session);
    libssh2_session_free(session);
    free(buffers);
}

// Gives back the pages of the write buffer that sent packets touched; only while no packet
// is partly sent (the caller checks libssh2_session_block_directions), since libssh2 keeps
// the unsent rest there. True when pages went back.
static inline int hoist_libssh2_release_sent_pages(LIBSSH2_SESSION *session) {
    hoist_packet_buffers *buffers = *libssh2_session_abstract(session);
    if (!buffers || buffers->confused) return 0;
    if (buffers->sent_high < hoist_page_up(buffers->sent_low) + hoist_page_size()) return 0;
    uintptr_t touched = hoist_page_up(buffers->sent_high);
    uintptr_t end = buffers->sent_low + HOIST_SMALLEST_WRITE_BUFFER;
    hoist_release_whole_pages(buffers->sent_low, touched < end ? touched : end);
    buffers->sent_high = buffers->sent_low;
    return 1;
}

static inline int hoist_libssh2_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

static inline LIBSSH2_CHANNEL *hoist_libssh2_channel_open_session(LIBSSH2_SESSION *session, unsigned int window) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   window, LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

static inline int hoist_libssh2_channel_exec(LIBSSH2_CHANNEL *channel, const char *command, unsigned int length) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1, command, length);
}

static inline void hoist_libssh2_free(LIBSSH2_SESSION *session, void *pointer) {
    if (pointer) libssh2_free(session, pointer);
}

#endif
