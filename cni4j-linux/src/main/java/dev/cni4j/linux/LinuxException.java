package dev.cni4j.linux;

/**
 * A system call (or the kernel, through netlink) failed with an errno.
 *
 * <p>Carries the errno number, its symbolic name ("EEXIST", "ENODEV", ...) and the operation that
 * failed, so callers can branch on {@link #errno()} and humans can read the message.
 */
public class LinuxException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int EPERM = 1,
            ENOENT = 2,
            ESRCH = 3,
            EINTR = 4,
            EIO = 5,
            EBADF = 9,
            EAGAIN = 11,
            ENOMEM = 12,
            EACCES = 13,
            EBUSY = 16,
            EEXIST = 17,
            ENODEV = 19,
            ENOTDIR = 20,
            EINVAL = 22,
            ENOSPC = 28,
            ERANGE = 34,
            ENOTEMPTY = 39,
            EOPNOTSUPP = 95,
            EAFNOSUPPORT = 97,
            EADDRNOTAVAIL = 99,
            ENETUNREACH = 101,
            ENOBUFS = 105;

    private final int errno;
    private final String operation;

    public LinuxException(int errno, String operation) {
        this(errno, operation, operation + ": " + errnoName(errno) + " (" + describe(errno) + ")");
    }

    protected LinuxException(int errno, String operation, String message) {
        super(message);
        this.errno = errno;
        this.operation = operation;
    }

    static LinuxException of(int errno, String operation) {
        return new LinuxException(errno, operation);
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. "EEXIST"; "E#123" for unknown values. */
    public String errnoName() {
        return errnoName(errno);
    }

    /** What was being done, e.g. "open netns /run/netns/x". */
    public String operation() {
        return operation;
    }

    /** True for ENOENT, ENODEV and ESRCH, the "it is not there" family. */
    public boolean isNotFound() {
        return errno == ENOENT || errno == ENODEV || errno == ESRCH;
    }

    public static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 3 -> "ESRCH";
            case 4 -> "EINTR";
            case 5 -> "EIO";
            case 6 -> "ENXIO";
            case 7 -> "E2BIG";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 18 -> "EXDEV";
            case 19 -> "ENODEV";
            case 20 -> "ENOTDIR";
            case 21 -> "EISDIR";
            case 22 -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 25 -> "ENOTTY";
            case 28 -> "ENOSPC";
            case 30 -> "EROFS";
            case 34 -> "ERANGE";
            case 36 -> "ENAMETOOLONG";
            case 38 -> "ENOSYS";
            case 39 -> "ENOTEMPTY";
            case 61 -> "ENODATA";
            case 71 -> "EPROTO";
            case 75 -> "EOVERFLOW";
            case 90 -> "EMSGSIZE";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 100 -> "ENETDOWN";
            case 101 -> "ENETUNREACH";
            case 105 -> "ENOBUFS";
            case 110 -> "ETIMEDOUT";
            case 113 -> "EHOSTUNREACH";
            case 114 -> "EALREADY";
            case 115 -> "EINPROGRESS";
            case 125 -> "ECANCELED";
            default -> "E#" + errno;
        };
    }

    public static String describe(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 2 -> "No such file or directory";
            case 3 -> "No such process";
            case 4 -> "Interrupted system call";
            case 5 -> "I/O error";
            case 9 -> "Bad file descriptor";
            case 11 -> "Resource temporarily unavailable";
            case 12 -> "Cannot allocate memory";
            case 13 -> "Permission denied";
            case 16 -> "Device or resource busy";
            case 17 -> "File exists";
            case 18 -> "Invalid cross-device link";
            case 19 -> "No such device";
            case 20 -> "Not a directory";
            case 22 -> "Invalid argument";
            case 25 -> "Inappropriate ioctl for device";
            case 28 -> "No space left on device";
            case 34 -> "Numerical result out of range";
            case 38 -> "Function not implemented";
            case 39 -> "Directory not empty";
            case 61 -> "No data available";
            case 90 -> "Message too long";
            case 93 -> "Protocol not supported";
            case 95 -> "Operation not supported";
            case 97 -> "Address family not supported by protocol";
            case 98 -> "Address already in use";
            case 99 -> "Cannot assign requested address";
            case 100 -> "Network is down";
            case 101 -> "Network is unreachable";
            case 105 -> "No buffer space available";
            case 110 -> "Connection timed out";
            case 113 -> "No route to host";
            default -> "errno " + errno;
        };
    }
}
