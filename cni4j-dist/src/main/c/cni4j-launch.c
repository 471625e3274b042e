/* The dist/bin/<type> launcher: forwards one CNI call to the cni4j daemon (cni4j-daemon, module
 * cni4j-daemon, wire format in dev.cni4j.daemon.FastPathProtocol) and relays its answer; when
 * no daemon serves this caller, execs the standalone Java plugin, lib/standalone/<type>.
 * The plugin type is the basename of argv[0], so one binary serves every type by hard link.
 * Nothing runs twice: it falls back only before the daemon accepted the call ('A').
 * Env: CNI4J_SOCKET (default /run/cni4j/cni.sock; empty: always standalone);
 * CNI4J_FALLBACK=never (tests): exit 1 instead of running standalone. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Delegate.isOurLauncher looks for this line near the start of the file: an ELF note is
 * placed right after the program headers (offset < 1 KiB; make-dist.sh checks). */
__attribute__((used, section(".note.cni4j"), aligned(4))) static const struct {
    uint32_t namesz, descsz, type; char name[8]; char desc[20];
} marker = {6, 20, 1, "cni4j", "\n# cni4j launcher\n"};
extern char **environ;
static char *buf; static size_t len, cap;

static void put(const void *p, size_t n) {
    if (len + n > cap) { cap = (len + n) * 2; if (!(buf = realloc(buf, cap))) exit(99); }
    memcpy(buf + len, p, n); len += n;
}
static void put32(uint32_t v) { v = htonl(v); put(&v, 4); }
static void put64(uint64_t v) { put32(v >> 32); put32((uint32_t)v); }
static void blob(const void *p, size_t n) { put32(n); put(p, n); }
static void put_ns(const char *path) { /* zeros if stat fails: the daemon declines */
    struct stat st = {0};
    stat(path, &st); put64(st.st_dev); put64(st.st_ino);
}
static int read_full(int fd, void *p, size_t n) {
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += r;
    }
    return 0;
}
static void write_full(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w; n -= w;
    }
}

/* The request's top-level "cniVersion" into out (digits and dots only, so nothing else can reach
 * the JSON we print), for the one error the launcher prints itself; NULL when there is none. */
static const char *cni_version(const char *in, size_t n, char *out, size_t cap) {
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '{' || in[i] == '[') { depth++; continue; }
        if (in[i] == '}' || in[i] == ']') { depth--; continue; }
        if (in[i] != '"') continue;
        size_t start = ++i;
        while (i < n && in[i] != '"') i += in[i] == '\\' ? 2 : 1;
        if (i >= n) return NULL;
        if (depth != 1 || i - start != 10 || memcmp(in + start, "cniVersion", 10)) continue;
        size_t j = i + 1;
        while (j < n && (in[j] == ' ' || in[j] == '\t' || in[j] == '\r' || in[j] == '\n')) j++;
        if (j >= n || in[j] != ':') continue; /* a string value "cniVersion", not the key */
        for (j++; j < n && (in[j] == ' ' || in[j] == '\t' || in[j] == '\r' || in[j] == '\n'); j++) {}
        if (j >= n || in[j] != '"') return NULL;
        size_t m = 0;
        for (j++; j < n && m + 1 < cap && ((in[j] >= '0' && in[j] <= '9') || in[j] == '.'); j++) out[m++] = in[j];
        if (j >= n || in[j] != '"' || m == 0) return NULL;
        out[m] = 0;
        return out;
    }
    return NULL;
}

/* Runs lib/standalone/<type> beside our bin dir; stdin holds `in` (already read) when in != NULL. */
static void standalone(const char *type, char **argv, const char *in, size_t in_len) {
    if (getenv("CNI4J_FALLBACK") && !strcmp(getenv("CNI4J_FALLBACK"), "never")) {
        fprintf(stderr, "cni4j: the daemon did not serve this call and CNI4J_FALLBACK=never\n");
        exit(1);
    }
    if (in) { /* the daemon declined after we consumed stdin: hand the same bytes on */
        int fd = memfd_create("cni4j-stdin", 0);
        if (fd < 0) { perror("cni4j: memfd_create"); exit(1); }
        write_full(fd, in, in_len);
        lseek(fd, 0, SEEK_SET);
        dup2(fd, 0);
        close(fd);
    }
    char self[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) { perror("cni4j: /proc/self/exe"); exit(1); }
    self[n] = 0;
    *strrchr(self, '/') = 0;
    /* An install (cni4j install) keeps its lib in <bin>/cni4j-lib; dist/bin has it in ../lib. */
    snprintf(path, sizeof path, "%s/cni4j-lib/standalone/%s", self, type);
    if (access(path, X_OK) != 0) snprintf(path, sizeof path, "%s/../lib/standalone/%s", self, type);
    execv(path, argv);
#ifdef CNI4J_LIB /* a copy outside dist/bin: the dist it was built for */
    snprintf(path, sizeof path, "%s/standalone/%s", CNI4J_LIB, type);
    execv(path, argv);
#endif
    fprintf(stderr, "cni4j: cannot run %s: %s\n", path, strerror(errno));
    exit(1);
}

int main(int argc __attribute__((unused)), char **argv) {
    const char *type = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char *sock = getenv("CNI4J_SOCKET") ? getenv("CNI4J_SOCKET") : "/run/cni4j/cni.sock";
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!*sock || strlen(sock) >= sizeof addr.sun_path || fd < 0) standalone(type, argv, NULL, 0);
    strcpy(addr.sun_path, sock);
    struct timeval tv = {5, 0}; /* a daemon that does not take the call within 5 s counts as absent */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) standalone(type, argv, NULL, 0);

    /* stdin first, in memory: it goes to the daemon, or to the standalone plugin if declined */
    char *in = NULL; size_t in_len = 0, in_cap = 0; ssize_t r;
    do {
        if (in_len == in_cap && !(in = realloc(in, in_cap = in_cap ? in_cap * 2 : 65536))) exit(99);
        r = read(0, in + in_len, in_cap - in_len);
        if (r > 0) in_len += r;
    } while (r > 0 || (r < 0 && errno == EINTR));

    /* CNI_NETNS stays open while the daemon works: a daemon in another mount namespace (the
     * agent's container) reaches it as /proc/<our pid>/fd/<fd>, where the path means nothing */
    const char *netns = getenv("CNI_NETNS");
    int netns_fd = netns && *netns ? open(netns, O_RDONLY | O_CLOEXEC) : -1;
    put32(0x434e4a32); put32(0); /* magic "CNJ2", body length patched below */
    put_ns("/proc/self/ns/net"); put_ns("/proc/self/ns/mnt");
    put32(getpid()); put32((uint32_t)netns_fd);
    blob(type, strlen(type));
    uint32_t count = 0;
    while (environ[count]) count++;
    put32(count);
    for (char **e = environ; *e; e++) blob(*e, strlen(*e));
    blob(in, in_len);
    uint32_t body = htonl(len - 8);
    memcpy(buf + 4, &body, 4);
    for (size_t off = 0; off < len;) { /* send() with MSG_NOSIGNAL: a declining daemon may close early */
        ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* the reply (or its absence) below decides */
        off += w;
    }
    char status = 0;
    if (read_full(fd, &status, 1) < 0) { /* no answer: shut the daemon out (its 'A' now fails), */
        shutdown(fd, SHUT_RDWR);         /* then make sure it had not accepted just before */
        if (read(fd, &status, 1) == 1 && status == 'A') goto lost;
    }
    if (status != 'A') standalone(type, argv, in, in_len);
    tv.tv_sec = 0; /* accepted: the call itself may take as long as it takes */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    /* accepted: the plugin ran (or runs); never fall back from here on */
    uint32_t exit_code, n;
    for (int stream = 0; stream <= 2; stream++) {
        if (read_full(fd, stream ? (void *)&n : (void *)&exit_code, 4) < 0) goto lost;
        if (!stream) continue;
        n = ntohl(n);
        char *data = malloc(n ? n : 1);
        if (!data || read_full(fd, data, n) < 0) goto lost;
        write_full(stream, data, n);
        free(data);
    }
    return (int)ntohl(exit_code);
lost:;
    char version[16];
    const char *v = cni_version(in, in_len, version, sizeof version);
    printf("{\"cniVersion\":\"%s\",\"code\":11,\"msg\":\"cni4j: lost the connection to the daemon during the call; try again\"}",
           v ? v : "1.1.0");
    return 1;
}
