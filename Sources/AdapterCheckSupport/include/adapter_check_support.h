/*
 * adapter_check_support.h - the C helpers of the adapter conformance checker (Sources/AdapterCheck).
 *
 * Two things are done in C because Swift cannot do them safely: reading glibc's heap statistics (the
 * `mallinfo2` struct is not imported into Swift) and reporting a crash from a signal handler, which may only
 * call async-signal-safe functions.
 */
#ifndef ADAPTER_CHECK_SUPPORT_H
#define ADAPTER_CHECK_SUPPORT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes currently allocated with malloc in this process (glibc `mallinfo2`: arena plus mmapped chunks), or 0
 *  when the C library has no such statistics. */
size_t acs_heap_in_use(void);

/** Whether acs_heap_in_use() measures anything on this system. */
int acs_heap_statistics_available(void);

/** Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT (on an alternate stack) that write the
 *  current crash report (see acs_set_crash_report) to standard output, a one-line note to standard error, and
 *  exit the process with status `exit_status`. Call once. */
void acs_install_crash_handler(int exit_status);

/** Sets the text written to standard output if the process crashes from now on (copied; at most 64 KiB) and the
 *  name of the check item running (copied; at most 255 bytes). NULL clears. */
void acs_set_crash_report(const char *report, const char *item);

#ifdef __cplusplus
}
#endif

#endif
