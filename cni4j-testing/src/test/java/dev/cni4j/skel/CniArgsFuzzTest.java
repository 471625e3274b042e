package dev.cni4j.skel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.testing.fuzz.Fuzzer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fuzzes {@code CNI_ARGS} parsing: whatever the runtime passes is parsed or refused with code 4. */
class CniArgsFuzzTest {
    static final List<String> KNOWN =
            List.of("IP", "MAC", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID");

    @Test
    void parsedOrRefusedWithCode4() {
        Fuzzer.of("cni-args", input -> {
                    try {
                        CniArgs args = CniArgs.parse(new String(input, StandardCharsets.UTF_8), KNOWN);
                        args.get("IP");
                        args.asMap();
                    } catch (CniException e) {
                        assertEquals(ErrorCode.INVALID_ENVIRONMENT.code(), e.code(), e.getMessage());
                        throw e;
                    }
                })
                .seeds(
                        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc",
                        "IP=10.1.2.3,2001:db8::5",
                        "MAC=0a:58:0a:f4:01:02;IgnoreUnknown=true",
                        "",
                        "K8S_POD_UID=1-2-3")
                .dictionary(
                        "IgnoreUnknown",
                        "IgnoreUnknown=1",
                        "IgnoreUnknown=0",
                        "IgnoreUnknown=yes",
                        "IP=",
                        "MAC=",
                        ";;",
                        "==",
                        "K8S_POD_NAME=")
                .allow(CniException.class)
                .run();
    }
}
