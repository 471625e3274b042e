package dev.cni4j.linux.firewall;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * libnftables.so.1 through FFM: the same parser, evaluation and netlink code the {@code nft}
 * binary runs, in-process. Its own downcall handles (not {@code Native}'s single syscall handle),
 * linked on first use only: nothing of this is loaded unless {@link Nft#useLibrary} is on.
 *
 * <p>A context ({@code struct nft_ctx}) opens its netlink socket when it is created, so it is bound
 * to the network namespace of the creating thread. Not thread-safe: callers serialise.
 */
final class LibNftables {
    /** From nftables/libnftables.h. */
    static final int OUTPUT_HANDLE = 1 << 3, OUTPUT_JSON = 1 << 4;

    private LibNftables() {}

    /** Loads the library and links every handle; throws (naming the cause) if that is not possible. */
    static void load() {
        try {
            Handles.RUN.type();
        } catch (ExceptionInInitializerError e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new UnsupportedOperationException("libnftables unavailable: " + c.getMessage(), c);
        } catch (NoClassDefFoundError e) {
            throw new UnsupportedOperationException("libnftables unavailable (failed to load before)", e);
        }
    }

    private static final class Handles {
        static final MethodHandle CTX_NEW,
                CTX_FREE,
                BUFFER_OUTPUT,
                BUFFER_ERROR,
                GET_OUTPUT,
                GET_ERROR,
                GET_FLAGS,
                SET_FLAGS,
                RUN,
                RUN_FILE;

        static {
            SymbolLookup lib = SymbolLookup.libraryLookup("libnftables.so.1", Arena.global());
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout p = ValueLayout.ADDRESS;
            CTX_NEW = link(linker, lib, "nft_ctx_new", FunctionDescriptor.of(p, i));
            CTX_FREE = link(linker, lib, "nft_ctx_free", FunctionDescriptor.ofVoid(p));
            BUFFER_OUTPUT = link(linker, lib, "nft_ctx_buffer_output", FunctionDescriptor.of(i, p));
            BUFFER_ERROR = link(linker, lib, "nft_ctx_buffer_error", FunctionDescriptor.of(i, p));
            GET_OUTPUT = link(linker, lib, "nft_ctx_get_output_buffer", FunctionDescriptor.of(p, p));
            GET_ERROR = link(linker, lib, "nft_ctx_get_error_buffer", FunctionDescriptor.of(p, p));
            GET_FLAGS = link(linker, lib, "nft_ctx_output_get_flags", FunctionDescriptor.of(i, p));
            SET_FLAGS = link(linker, lib, "nft_ctx_output_set_flags", FunctionDescriptor.ofVoid(p, i));
            RUN = link(linker, lib, "nft_run_cmd_from_buffer", FunctionDescriptor.of(i, p, p));
            RUN_FILE = link(linker, lib, "nft_run_cmd_from_filename", FunctionDescriptor.of(i, p, p));
        }

        private static MethodHandle link(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
            return linker.downcallHandle(
                    lib.find(name)
                            .orElseThrow(() -> new UnsupportedOperationException("libnftables.so.1 has no " + name)),
                    fd);
        }
    }

    /** One context with buffered output and error; {@link #run} must not be called concurrently. */
    static final class Context {
        private final MemorySegment ctx;
        private final int baseFlags;
        private boolean freed;

        /** Creates a context bound to the calling thread's network namespace. */
        Context() {
            try {
                MemorySegment c = (MemorySegment) Handles.CTX_NEW.invokeExact(0); // NFT_CTX_DEFAULT
                if (c.equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("nft_ctx_new failed");
                }
                ctx = c;
                if ((int) Handles.BUFFER_OUTPUT.invokeExact(ctx) != 0
                        || (int) Handles.BUFFER_ERROR.invokeExact(ctx) != 0) {
                    Handles.CTX_FREE.invokeExact(ctx);
                    throw new IllegalStateException("nft_ctx_buffer_output/error failed");
                }
                baseFlags = (int) Handles.GET_FLAGS.invokeExact(ctx);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /**
         * Runs {@code script} with extra output flags; exit code as nft's (0 or 1), stdout, stderr.
         * {@code file}: read it from {@code file}, which holds the script ({@code nft -f}: errors name the file and
         * quote the failing line; in nft 1.0.6 a buffer's errors always quote its first line), else
         * from memory (what {@code nft ARGS} does).
         */
        Nft.Result run(String script, int outputFlags, Path file) {
            if (freed) {
                throw new IllegalStateException("libnftables context freed");
            }
            try (Arena a = Arena.ofConfined()) {
                Handles.SET_FLAGS.invokeExact(ctx, baseFlags | outputFlags);
                int rc;
                if (file == null) {
                    rc = (int) Handles.RUN.invokeExact(ctx, a.allocateFrom(script, StandardCharsets.UTF_8));
                } else { // Nft wrote the script there
                    rc = (int)
                            Handles.RUN_FILE.invokeExact(ctx, a.allocateFrom(file.toString(), StandardCharsets.UTF_8));
                }
                // reading a buffer also rewinds it for the next command
                String out = string((MemorySegment) Handles.GET_OUTPUT.invokeExact(ctx));
                String err = string((MemorySegment) Handles.GET_ERROR.invokeExact(ctx));
                return new Nft.Result(rc == 0 ? 0 : 1, out, err);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        void free() {
            if (freed) {
                return;
            }
            freed = true;
            try {
                Handles.CTX_FREE.invokeExact(ctx);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private static String string(MemorySegment s) {
            if (s.equals(MemorySegment.NULL)) {
                return "";
            }
            return s.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
        }
    }
}
