package dev.cni4j.linux.netlink;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Test helper: captured kernel replies from src/test/resources/kernel-replies. */
public final class KernelReplies {
    private KernelReplies() {}

    public static ByteBuffer load(String name) throws IOException {
        return KernelReplyTest.reply(name);
    }
}
