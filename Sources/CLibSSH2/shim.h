#ifndef HOIST_CLIBSSH2_SHIM_H
#define HOIST_CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_publickey.h>
#include <libssh2_sftp.h>
#endif
