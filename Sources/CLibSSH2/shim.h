#ifndef HOIST_CLIBSSH2_SHIM_H
#define HOIST_CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_publickey.h>
#include <libssh2_sftp.h>
#include <sys/socket.h>
#include <poll.h>

// libssh2's convenience calls are C macros, which Swift cannot see; these re-export the
// ones Hoist uses as functions.

static inline LIBSSH2_SESSION *hoist_libssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
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
