/*
 * libcni4j-syscall.so: the system call entry of dev.cni4j.linux.Native through JNI, for the
 * standalone plugin launchers (one short-lived JVM per plugin exec). Linking the equivalent FFM
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
