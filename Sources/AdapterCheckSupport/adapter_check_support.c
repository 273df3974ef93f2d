/* The C helpers of the adapter conformance checker; see include/adapter_check_support.h. */
#define _GNU_SOURCE
#include "adapter_check_support.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define ACS_HAVE_MALLINFO2 1
#endif

size_t acs_heap_in_use(void) {
#ifdef ACS_HAVE_MALLINFO2
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

int acs_heap_statistics_available(void) {
#ifdef ACS_HAVE_MALLINFO2
    return 1;
#else
    return 0;
#endif
}

/* The report is written by the signal handler with write(2) only. Two buffers, so a report can be replaced
 * while the other one is visible; the pointer swap is a single store. */
#define REPORT_MAX (64 * 1024)
#define ITEM_MAX 256
static char report_buffers[2][REPORT_MAX];
static char item_buffers[2][ITEM_MAX];
static volatile sig_atomic_t current = -1;
static int crash_exit_status = 3;

void acs_set_crash_report(const char *report, const char *item) {
    if (!report) {
        current = -1;
        return;
    }
    int next = current == 0 ? 1 : 0;
    size_t n = strlen(report);
    if (n >= REPORT_MAX) n = REPORT_MAX - 1;
    memcpy(report_buffers[next], report, n);
    report_buffers[next][n] = '\0';
    size_t m = item ? strlen(item) : 0;
    if (m >= ITEM_MAX) m = ITEM_MAX - 1;
    if (m) memcpy(item_buffers[next], item, m);
    item_buffers[next][m] = '\0';
    current = next;
}

static void write_all(int fd, const char *text) {
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n <= 0) return;
        text += n;
        left -= (size_t)n;
    }
}

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction, e.g. a Swift trap)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGABRT: return "SIGABRT (abort)";
    default: return "a fatal signal";
    }
}

static void on_crash(int sig) {
    int slot = current;
    write_all(2, "\ngateway adapter check: the adapter crashed the checker with ");
    write_all(2, signal_name(sig));
    if (slot >= 0 && item_buffers[slot][0]) {
        write_all(2, " during check item ");
        write_all(2, item_buffers[slot]);
    }
    write_all(2, ". A crash in an adapter is a crash of the gateway.\n");
    if (slot >= 0) write_all(1, report_buffers[slot]);
    _exit(crash_exit_status);
}

void acs_install_crash_handler(int exit_status) {
    crash_exit_status = exit_status;
    static char alternate_stack[64 * 1024];
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = alternate_stack;
    ss.ss_size = sizeof alternate_stack;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &sa, NULL);
}
