// sseload: a small HTTP/1.1 load client for server-sent-event streams (one thread, epoll).
//
// wrk measures whole responses; a streaming gateway is judged by when each event arrives. This client
// posts a chat-completions body on N keep-alive connections and timestamps every SSE event as it is
// read from the socket (CLOCK_MONOTONIC), so it can report:
//   - time to first event (TTFB: request written -> first `data:` event complete),
//   - whole-stream time and streams per second (mode `loop`: each connection repeats until -d),
//   - the gap between consecutive `data:` events minus the interval the upstream paced them at
//     (`-i`, mode `once`: each connection sends one request, e.g. 1,000 slow streams),
//   - errors: connect failures, non-200 answers, `data: {"error"...}` events, streams cut before
//     `data: [DONE]`, and streams still open at the deadline (-t).
// The result is one JSON object on stdout. Build: cc -O2 -o sseload sseload.c
//
// It speaks only plain HTTP to an IPv4 address (the benchmark is loopback-only), understands
// Content-Length, chunked and read-until-close bodies, and never retries.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// ---- samples -----------------------------------------------------------------------------------

typedef struct {
    int64_t *v;
    size_t n, cap;
} samples;

static void add_sample(samples *s, int64_t x) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof(int64_t));
        if (!s->v) { perror("realloc"); exit(1); }
    }
    s->v[s->n++] = x;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

// Nearest-rank percentile of sorted samples.
static int64_t pct(const samples *s, double p) {
    if (s->n == 0) return 0;
    size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > s->n) rank = s->n;
    return s->v[rank - 1];
}

static void print_dist(const char *name, samples *s, int comma) {
    qsort(s->v, s->n, sizeof(int64_t), cmp64);
    double mean = 0;
    for (size_t i = 0; i < s->n; i++) mean += (double)s->v[i];
    if (s->n) mean /= (double)s->n;
    printf("\"%s\":{\"n\":%zu,\"min\":%lld,\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"p999\":%lld,\"max\":%lld,\"mean\":%.1f}%s",
           name, s->n, (long long)(s->n ? s->v[0] : 0), (long long)pct(s, 50), (long long)pct(s, 90),
           (long long)pct(s, 99), (long long)pct(s, 99.9), (long long)(s->n ? s->v[s->n - 1] : 0), mean,
           comma ? "," : "");
}

// ---- error kinds -------------------------------------------------------------------------------

#define MAX_KINDS 32
static struct { char name[32]; long count; } kinds[MAX_KINDS];
static int nkinds;
static long errors_total;

static void count_error(const char *name) {
    errors_total++;
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].name, name) == 0) { kinds[i].count++; return; }
    if (nkinds < MAX_KINDS) {
        snprintf(kinds[nkinds].name, sizeof kinds[nkinds].name, "%s", name);
        kinds[nkinds++].count = 1;
    }
}

// ---- time --------------------------------------------------------------------------------------

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// ---- connections -------------------------------------------------------------------------------

enum { C_IDLE, C_CONNECTING, C_SENDING, C_HEAD, C_BODY, C_FINISHED };
enum { B_LENGTH, B_CHUNKED, B_CLOSE };
enum { CS_SIZE, CS_EXT, CS_DATA, CS_DATA_CR, CS_TRAILER };

typedef struct {
    int fd, state, index;
    int64_t start_at;      // when to (re)start: ramp in mode once
    int64_t t_sent;        // request written
    int64_t t_last_event;  // previous data event
    size_t wsent;
    char head[8192];
    size_t head_len;
    int status, body_mode, server_close;
    long long content_left;
    int cstate;
    long long chunk_left;
    int trailer_line_len;
    // SSE parser
    int line_len;
    char ev_prefix[24];
    int ev_prefix_len;
    int events, saw_done, saw_error;
} conn;

static struct sockaddr_in target;
static char *request;
static size_t request_len;
static int epfd;
static int loop_mode;
static int64_t interval_ns;
static int64_t run_end;      // loop mode: no new requests after this
static samples ttfb, total, gaps;
static long completed, events_total, connects;

static void set_events(conn *c, uint32_t ev) {
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void close_conn(conn *c) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
}

static void reset_response(conn *c) {
    c->head_len = 0;
    c->status = 0;
    c->body_mode = B_CLOSE;
    c->server_close = 0;
    c->content_left = -1;
    c->cstate = CS_SIZE;
    c->chunk_left = 0;
    c->trailer_line_len = 0;
    c->line_len = 0;
    c->ev_prefix_len = 0;
    c->events = c->saw_done = c->saw_error = 0;
}

static void send_request(conn *c) {
    reset_response(c);
    c->wsent = 0;
    c->state = C_SENDING;
    c->t_sent = now_ns();
    for (;;) {
        ssize_t n = write(c->fd, request + c->wsent, request_len - c->wsent);
        if (n > 0) {
            c->wsent += (size_t)n;
            if (c->wsent == request_len) { c->state = C_HEAD; set_events(c, EPOLLIN); return; }
        } else if (n < 0 && errno == EAGAIN) {
            set_events(c, EPOLLOUT);
            return;
        } else {
            count_error("write_failed");
            close_conn(c);
            c->state = loop_mode ? C_IDLE : C_FINISHED;
            return;
        }
    }
}

static void open_conn(conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { perror("socket"); exit(1); }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connects++;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e);
    int r = connect(c->fd, (struct sockaddr *)&target, sizeof target);
    if (r == 0) {
        send_request(c);
    } else if (errno == EINPROGRESS) {
        c->state = C_CONNECTING;
        c->t_sent = now_ns();
    } else {
        count_error("connect_failed");
        close_conn(c);
        c->state = C_FINISHED;
    }
}

// A response is complete: account for it and start the next one (mode loop) or stop.
static void finish_response(conn *c) {
    int64_t t = now_ns();
    if (c->status != 200) {
        char name[32];
        snprintf(name, sizeof name, "status_%d", c->status);
        count_error(name);
    } else if (c->saw_error) {
        count_error("error_event");
    } else if (!c->saw_done) {
        count_error("no_done");
    } else {
        completed++;
        add_sample(&total, (t - c->t_sent) / 1000);
    }
    if (loop_mode && t < run_end) {
        if (c->server_close || c->body_mode == B_CLOSE) {
            close_conn(c);
            open_conn(c);
        } else {
            send_request(c);
        }
    } else {
        close_conn(c);
        c->state = C_FINISHED;
    }
}

static void on_event(conn *c, int64_t t) {
    const char *p = c->ev_prefix;
    int len = c->ev_prefix_len;
    if (len == 0 || p[0] == ':') return;  // comment (keep-alive) or empty
    if (len < 5 || strncmp(p, "data:", 5) != 0) return;
    const char *v = p + 5;
    int vlen = len - 5;
    if (vlen > 0 && *v == ' ') { v++; vlen--; }
    if (vlen >= 6 && strncmp(v, "[DONE]", 6) == 0) { c->saw_done = 1; return; }
    if (vlen >= 8 && strncmp(v, "{\"error\"", 8) == 0) c->saw_error = 1;
    if (c->events == 0) {
        add_sample(&ttfb, (t - c->t_sent) / 1000);
    } else if (interval_ns > 0) {
        add_sample(&gaps, (t - c->t_last_event - interval_ns) / 1000);
    }
    c->t_last_event = t;
    c->events++;
    events_total++;
}

// Body bytes after transfer decoding: split into SSE events.
static void sse_bytes(conn *c, const char *p, size_t n, int64_t t) {
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\r') continue;
        if (ch == '\n') {
            if (c->line_len == 0) {  // blank line: end of event
                on_event(c, t);
                c->ev_prefix_len = 0;
            }
            c->line_len = 0;
            continue;
        }
        if (c->ev_prefix_len < (int)sizeof c->ev_prefix) c->ev_prefix[c->ev_prefix_len++] = ch;
        c->line_len++;
    }
}

// Raw body bytes; returns the number consumed, and sets *done when the message ended.
static size_t body_bytes(conn *c, const char *p, size_t n, int64_t t, int *done) {
    size_t i = 0;
    *done = 0;
    if (c->body_mode == B_CLOSE) { sse_bytes(c, p, n, t); return n; }
    if (c->body_mode == B_LENGTH) {
        size_t take = (size_t)c->content_left < n ? (size_t)c->content_left : n;
        sse_bytes(c, p, take, t);
        c->content_left -= (long long)take;
        if (c->content_left == 0) *done = 1;
        return take;
    }
    while (i < n && !*done) {
        char ch = p[i];
        switch (c->cstate) {
        case CS_SIZE:
            i++;
            if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) {
                int d = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
                c->chunk_left = c->chunk_left * 16 + d;
            } else if (ch == '\n') {
                if (c->chunk_left == 0) { c->cstate = CS_TRAILER; c->trailer_line_len = 0; }
                else c->cstate = CS_DATA;
            } else if (ch != '\r') {
                c->cstate = CS_EXT;
            }
            break;
        case CS_EXT:
            i++;
            if (ch == '\n') {
                if (c->chunk_left == 0) { c->cstate = CS_TRAILER; c->trailer_line_len = 0; }
                else c->cstate = CS_DATA;
            }
            break;
        case CS_DATA: {
            size_t take = (size_t)c->chunk_left < n - i ? (size_t)c->chunk_left : n - i;
            sse_bytes(c, p + i, take, t);
            i += take;
            c->chunk_left -= (long long)take;
            if (c->chunk_left == 0) c->cstate = CS_DATA_CR;
            break;
        }
        case CS_DATA_CR:
            i++;
            if (ch == '\n') { c->cstate = CS_SIZE; c->chunk_left = 0; }
            break;
        case CS_TRAILER:
            i++;
            if (ch == '\n') {
                if (c->trailer_line_len == 0) *done = 1;
                c->trailer_line_len = 0;
            } else if (ch != '\r') {
                c->trailer_line_len++;
            }
            break;
        }
    }
    return i;
}

static int header_is(const char *line, size_t len, const char *name, const char **value) {
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return 0;
    const char *v = line + nl + 1;
    while (*v == ' ' || *v == '\t') v++;
    *value = v;
    return 1;
}

// Parses the status line and headers in c->head[0..end).
static void parse_head(conn *c, size_t end) {
    c->head[end] = 0;
    c->status = atoi(c->head + 9);
    char *line = strstr(c->head, "\r\n");
    while (line && line + 2 < c->head + end) {
        line += 2;
        char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *v;
        if (header_is(line, len, "content-length", &v)) { c->body_mode = B_LENGTH; c->content_left = atoll(v); }
        else if (header_is(line, len, "transfer-encoding", &v) && strncasecmp(v, "chunked", 7) == 0) c->body_mode = B_CHUNKED;
        else if (header_is(line, len, "connection", &v) && strncasecmp(v, "close", 5) == 0) c->server_close = 1;
        line = eol;
    }
}

static void on_readable(conn *c) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n == 0) {
            if (c->state == C_BODY && c->body_mode == B_CLOSE) { finish_response(c); return; }
            count_error(c->state == C_HEAD && c->head_len == 0 ? "closed_before_answer" : "closed_mid_stream");
            close_conn(c);
            if (loop_mode && now_ns() < run_end) open_conn(c); else c->state = C_FINISHED;
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN) return;
            count_error("read_failed");
            close_conn(c);
            if (loop_mode && now_ns() < run_end) open_conn(c); else c->state = C_FINISHED;
            return;
        }
        int64_t t = now_ns();
        size_t off = 0;
        while (off < (size_t)n) {
            if (c->state == C_HEAD) {
                size_t room = sizeof c->head - 1 - c->head_len;
                size_t take = (size_t)n - off < room ? (size_t)n - off : room;
                memcpy(c->head + c->head_len, buf + off, take);
                size_t old = c->head_len;
                c->head_len += take;
                c->head[c->head_len] = 0;
                char *end = strstr(c->head, "\r\n\r\n");
                if (!end) {
                    if (c->head_len == sizeof c->head - 1) { count_error("head_too_large"); close_conn(c); c->state = C_FINISHED; return; }
                    off += take;
                    continue;
                }
                size_t head_end = (size_t)(end - c->head) + 4;
                parse_head(c, head_end - 4);
                off += head_end - old;
                c->state = C_BODY;
                if (c->body_mode == B_LENGTH && c->content_left == 0) { finish_response(c); if (c->state != C_HEAD) return; }
                continue;
            }
            if (c->state == C_BODY) {
                int done;
                off += body_bytes(c, buf + off, (size_t)n - off, t, &done);
                if (done) {
                    finish_response(c);
                    if (c->state != C_HEAD) return;  // closed, reconnecting, or finished
                }
                continue;
            }
            return;  // bytes in an unexpected state: ignore
        }
    }
}

static void on_writable(conn *c) {
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            count_error("connect_failed");
            close_conn(c);
            c->state = C_FINISHED;
            return;
        }
        send_request(c);
        return;
    }
    if (c->state == C_SENDING) {
        ssize_t n = write(c->fd, request + c->wsent, request_len - c->wsent);
        if (n > 0) c->wsent += (size_t)n;
        else if (n < 0 && errno != EAGAIN) { count_error("write_failed"); close_conn(c); c->state = C_FINISHED; return; }
        if (c->wsent == request_len) { c->state = C_HEAD; set_events(c, EPOLLIN); }
    }
}

static void usage(void) {
    fprintf(stderr,
            "usage: sseload -u http://IP:PORT/PATH [-H 'Name: value']... -b BODY [-c CONNS] [-m loop|once]\n"
            "               [-d SECONDS] [-r RAMP_MS] [-i INTERVAL_MS] [-t TIMEOUT_S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *url = NULL, *body = NULL, *mode = "loop";
    char headers[4096] = "";
    int conns = 1;
    double duration = 5, timeout = 0;
    int ramp_ms = 0;
    int opt;
    while ((opt = getopt(argc, argv, "u:H:b:c:m:d:r:i:t:")) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'H':
            strncat(headers, optarg, sizeof headers - strlen(headers) - 3);
            strcat(headers, "\r\n");
            break;
        case 'b': body = optarg; break;
        case 'c': conns = atoi(optarg); break;
        case 'm': mode = optarg; break;
        case 'd': duration = atof(optarg); break;
        case 'r': ramp_ms = atoi(optarg); break;
        case 'i': interval_ns = (int64_t)atoi(optarg) * 1000000LL; break;
        case 't': timeout = atof(optarg); break;
        default: usage();
        }
    }
    if (!url || !body || conns < 1 || strncmp(url, "http://", 7) != 0) usage();
    loop_mode = strcmp(mode, "loop") == 0;

    // http://IP:PORT/PATH
    char hostport[128];
    const char *path = strchr(url + 7, '/');
    if (!path) path = "/";
    size_t hl = (size_t)(path - (url + 7));
    if (hl >= sizeof hostport) usage();
    memcpy(hostport, url + 7, hl);
    hostport[hl] = 0;
    char host[128];
    int port = 80;
    snprintf(host, sizeof host, "%s", hostport);
    char *colon = strchr(host, ':');
    if (colon) { *colon = 0; port = atoi(colon + 1); }
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1) { fprintf(stderr, "sseload: %s is not an IPv4 address\n", host); return 2; }

    size_t blen = strlen(body);
    request = malloc(blen + strlen(headers) + strlen(path) + 512);
    request_len = (size_t)sprintf(request,
                                  "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                  "Accept: text/event-stream\r\nContent-Length: %zu\r\n%s\r\n%s",
                                  path, hostport, blen, headers, body);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    conn *cs = calloc((size_t)conns, sizeof(conn));
    int64_t t0 = now_ns();
    run_end = t0 + (int64_t)(duration * 1e9);
    if (timeout <= 0) timeout = loop_mode ? duration + 30 : duration + 60;
    int64_t hard_end = t0 + (int64_t)(timeout * 1e9);
    for (int i = 0; i < conns; i++) {
        cs[i].fd = -1;
        cs[i].index = i;
        cs[i].state = C_IDLE;
        cs[i].start_at = t0 + (ramp_ms > 0 ? (int64_t)ramp_ms * 1000000LL * i / conns : 0);
    }

    struct epoll_event evs[512];
    int64_t stopped_at = 0;
    for (;;) {
        int64_t t = now_ns();
        int active = 0;
        int64_t next_start = INT64_MAX;
        for (int i = 0; i < conns; i++) {
            conn *c = &cs[i];
            if (c->state == C_IDLE) {
                if (loop_mode && t >= run_end) { c->state = C_FINISHED; continue; }
                if (c->start_at <= t) open_conn(c);
                else if (c->start_at < next_start) next_start = c->start_at;
            }
            if (c->state != C_FINISHED) active++;
        }
        if (loop_mode && t >= run_end) {
            // Requests in flight at the end are abandoned, not errors (as wrk does).
            for (int i = 0; i < conns; i++) if (cs[i].state != C_FINISHED) { close_conn(&cs[i]); cs[i].state = C_FINISHED; }
            stopped_at = run_end;
            break;
        }
        if (active == 0) { stopped_at = t; break; }
        if (t >= hard_end) {
            for (int i = 0; i < conns; i++)
                if (cs[i].state != C_FINISHED) { count_error("timeout"); close_conn(&cs[i]); cs[i].state = C_FINISHED; }
            stopped_at = t;
            break;
        }
        int wait_ms = 10;
        if (next_start != INT64_MAX) {
            int64_t d = (next_start - t) / 1000000;
            if (d < wait_ms) wait_ms = d < 0 ? 0 : (int)d;
        }
        int n = epoll_wait(epfd, evs, 512, wait_ms);
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            if (c->fd < 0) continue;
            if (evs[k].events & EPOLLOUT) on_writable(c);
            else if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (c->state == C_CONNECTING) on_writable(c);  // error surfaces through SO_ERROR
                else on_readable(c);
            }
        }
    }

    double elapsed = (double)(stopped_at - t0) / 1e9;
    printf("{\"mode\":\"%s\",\"connections\":%d,\"connects\":%ld,\"completed\":%ld,\"errors\":%ld,\"error_kinds\":{",
           mode, conns, connects, completed, errors_total);
    for (int i = 0; i < nkinds; i++) printf("%s\"%s\":%ld", i ? "," : "", kinds[i].name, kinds[i].count);
    printf("},\"elapsed_s\":%.3f,\"streams_per_s\":%.1f,\"events\":%ld,", elapsed,
           elapsed > 0 ? (double)completed / elapsed : 0.0, events_total);
    print_dist("ttfb_us", &ttfb, 1);
    print_dist("total_us", &total, 1);
    print_dist("gap_added_us", &gaps, 0);
    printf("}\n");
    return 0;
}
