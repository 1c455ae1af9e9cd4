#ifndef HOIST_CLIBARCHIVE_SHIM_H
#define HOIST_CLIBARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
