/*
 * libcni4j-syscall.so: the system call entry of dev.cni4j.linux.Native through JNI (and
 * libnftables, below), for the standalone plugin launchers (one short-lived JVM per plugin exec). Linking the equivalent FFM
 * downcall handle in a fresh JVM spins ~30 hidden classes and costs 15-30 ms, which the AOT cache
 * cannot keep; a JNI method is bound with one dlsym on its first call. Built by cni4j-dist's
 * make-dist.sh; Native uses it only when -Dcni4j.native.lib names it, and FFM otherwise.
 */
#include <errno.h>
#include <jni.h>
#include <unistd.h>

/* long syscall(long nr, ...) with six arguments: the kernel's result, or -errno on failure. */
JNIEXPORT jlong JNICALL Java_dev_cni4j_linux_Native_syscallJni(JNIEnv *env, jclass cls, jlong nr, jlong a1,
                                                               jlong a2, jlong a3, jlong a4, jlong a5, jlong a6) {
    (void) env;
    (void) cls;
    long r = syscall((long) nr, (long) a1, (long) a2, (long) a3, (long) a4, (long) a5, (long) a6);
    return r == -1 ? -(jlong) errno : (jlong) r;
}

/*
 * libnftables for the standalone plugins: nft scripts run in-process instead of by exec'ing nft
 * (a second process and, in the JVM, ProcessBuilder's start-up: ~10 ms of a bridge or portmap
 * exec). The library is dlopen'ed at the first call, so neither its headers nor the library are
 * needed to build this file, and a node without it loses nothing but this path. One context per
 * call: it is bound to the calling thread's network namespace when created.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

struct nft_ctx;
static struct {
    struct nft_ctx *(*ctx_new)(uint32_t);
    void (*ctx_free)(struct nft_ctx *);
    int (*buffer_output)(struct nft_ctx *);
    int (*buffer_error)(struct nft_ctx *);
    const char *(*get_output)(struct nft_ctx *);
    const char *(*get_error)(struct nft_ctx *);
    unsigned int (*get_flags)(struct nft_ctx *);
    void (*set_flags)(struct nft_ctx *, unsigned int);
    int (*run_buffer)(struct nft_ctx *, const char *);
    int (*run_file)(struct nft_ctx *, const char *);
} nft;
static int nft_ok;
static pthread_once_t nft_once = PTHREAD_ONCE_INIT;

static void nft_load(void) {
    void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
#define NFT_SYM(field, name) if (!(*(void **) &nft.field = dlsym(h, name))) return
    NFT_SYM(ctx_new, "nft_ctx_new");
    NFT_SYM(ctx_free, "nft_ctx_free");
    NFT_SYM(buffer_output, "nft_ctx_buffer_output");
    NFT_SYM(buffer_error, "nft_ctx_buffer_error");
    NFT_SYM(get_output, "nft_ctx_get_output_buffer");
    NFT_SYM(get_error, "nft_ctx_get_error_buffer");
    NFT_SYM(get_flags, "nft_ctx_output_get_flags");
    NFT_SYM(set_flags, "nft_ctx_output_set_flags");
    NFT_SYM(run_buffer, "nft_run_cmd_from_buffer");
    NFT_SYM(run_file, "nft_run_cmd_from_filename");
#undef NFT_SYM
    nft_ok = 1;
}

static jbyteArray nft_bytes(JNIEnv *env, const char *s) {
    jsize n = s ? (jsize) strlen(s) : 0;
    jbyteArray a = (*env)->NewByteArray(env, n);
    if (a && n) (*env)->SetByteArrayRegion(env, a, 0, n, (const jbyte *) s);
    return a;
}

/* Runs a NUL-terminated script, or the script file named by `file` when it is not null, with the
 * extra output flags; puts stdout and stderr (UTF-8) into outErr[0] and [1]. Returns nft's code (0
 * ok), or -2 when libnftables cannot be loaded or a context made (the caller runs nft instead). */
JNIEXPORT jint JNICALL Java_dev_cni4j_linux_firewall_LibNftablesJni_run0(JNIEnv *env, jclass cls, jbyteArray script,
                                                                        jbyteArray file, jint flags,
                                                                        jobjectArray outErr) {
    (void) cls;
    pthread_once(&nft_once, nft_load);
    if (!nft_ok) return -2;
    struct nft_ctx *ctx = nft.ctx_new(0); /* NFT_CTX_DEFAULT */
    if (!ctx) return -2;
    if (nft.buffer_output(ctx) || nft.buffer_error(ctx)) {
        nft.ctx_free(ctx);
        return -2;
    }
    nft.set_flags(ctx, nft.get_flags(ctx) | (unsigned int) flags);
    jbyteArray input = file ? file : script;
    jbyte *text = (*env)->GetByteArrayElements(env, input, NULL);
    if (!text) {
        nft.ctx_free(ctx);
        return -2;
    }
    int rc = file ? nft.run_file(ctx, (const char *) text) : nft.run_buffer(ctx, (const char *) text);
    (*env)->ReleaseByteArrayElements(env, input, text, JNI_ABORT);
    (*env)->SetObjectArrayElement(env, outErr, 0, nft_bytes(env, nft.get_output(ctx)));
    (*env)->SetObjectArrayElement(env, outErr, 1, nft_bytes(env, nft.get_error(ctx)));
    nft.ctx_free(ctx);
    return rc;
}
