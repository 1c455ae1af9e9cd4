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

// Gives the kernel back every whole page of [start, start + count) that holds only zero
// bytes. The memory stays the caller's: a page given back reads as zeros again (private
// anonymous memory after MADV_DONTNEED) and costs nothing until it is written.
static inline void hoist_release_zero_pages(void *start, size_t count) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = ((uintptr_t)start + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)start + count) & ~(page - 1);
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

// libssh2 1.10 embeds its 16 KiB read buffer and its 35 KB largest-packet write buffer in
// the session struct (about 54 KB) and zeroes all of it, so every session costs 54 KB of
// resident memory before it has sent a byte. The buffers are written only as far as the
// packets a session sends and receives; the rest stays zero, and its pages go back to the
// kernel here: a session that only runs commands keeps a few pages of each buffer.
static inline LIBSSH2_SESSION *hoist_libssh2_session_init(void) {
    LIBSSH2_SESSION *session = libssh2_session_init_ex(hoist_libssh2_alloc, hoist_libssh2_dealloc,
                                                       hoist_libssh2_realloc, NULL);
    if (session) hoist_release_zero_pages(session, malloc_usable_size(session));
    return session;
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
