package dev.cni4j.linux.firewall;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The grammar of what may be written into an nft or {@code iptables-restore} script as text, so
 * that no value can change a script's structure (end a command, start another, comment out the
 * rest of a line, leave a brace open). Builders quote with these; config parsers use the
 * {@code ...Problem} methods to reject a value with a clear message before anything changes.
 *
 * <p>nft (1.0.6): a quoted string runs to the next {@code "} and has no escapes, so it can hold
 * anything but {@code "} and line breaks; commands end at a newline or {@code ;}; {@code #}
 * starts a comment. iptables-restore: one rule per line; a parameter is split at blanks unless in
 * {@code "..."}, where {@code \} escapes the next character; a parameter holds at most 1023
 * bytes (longer ones stop the batch with "Parameter too long!").
 */
public final class ScriptText {
    /** nft's limit for a rule's or element's comment, in bytes. */
    public static final int NFT_COMMENT_MAX = 128;
    /** iptables-restore's limit for one parameter, in bytes. */
    public static final int IPTABLES_PARAM_MAX = 1023;
    /** iptables' chain name limit. */
    public static final int IPTABLES_CHAIN_MAX = 28;
    /** Limits for extra match tokens from a config (conditionsV4/V6): count, bytes per token. */
    public static final int CONDITION_TOKENS_MAX = 64;

    public static final int CONDITION_TOKEN_MAX = 256;

    private ScriptText() {}

    /** {@code s} as an nft quoted string; throws {@link IllegalArgumentException} if it cannot be one. */
    public static String nftQuoted(String s) {
        String why = nftStringProblem(s);
        if (why != null) {
            throw new IllegalArgumentException("cannot quote for nft (" + why + "): " + shortened(s));
        }
        return '"' + s + '"';
    }

    /** Why {@code s} cannot be inside an nft quoted string, or null. */
    public static String nftStringProblem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                return "contains '\"'";
            }
            if (isControl(c)) {
                return "contains a control character";
            }
        }
        return null;
    }

    /**
     * {@code s} without what an nft quoted string cannot hold ({@code "} and control characters),
     * cut to {@code maxBytes} of UTF-8 at a character boundary: the reference plugins drop
     * {@code "} from names in comments the same way.
     */
    public static String nftCommentText(String s, int maxBytes) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), maxBytes));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '"' && !isControl(c)) {
                b.append(c);
            }
        }
        return utf8Prefix(b.toString(), maxBytes);
    }

    /** The longest prefix of {@code s} whose UTF-8 encoding has at most {@code maxBytes} bytes. */
    public static String utf8Prefix(String s, int maxBytes) {
        if (s.length() * 3L <= maxBytes || s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > maxBytes) {
                break;
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    /**
     * Why the match tokens {@code conditions} cannot be written into one nft rule, or null: each
     * is printable ASCII without {@code ;}, {@code #}, {@code \} or {@code $} outside quoted
     * strings, quotes close within a token, and brackets ({@code {} [] ()}) balance over all of them.
     */
    public static String nftConditionsProblem(List<String> conditions) {
        String sizes = sizeProblem(conditions);
        if (sizes != null) {
            return sizes;
        }
        Deque<Character> open = new ArrayDeque<>();
        for (String t : conditions) {
            boolean quoted = false;
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c > 0x7e || c < 0x20) {
                    return "token \"" + shortened(t) + "\": only printable ASCII is allowed";
                }
                if (c == '"') {
                    quoted = !quoted;
                } else if (quoted) {
                    if (c == '\\') {
                        return "token \"" + shortened(t) + "\": '\\' is not allowed";
                    }
                } else if (c == ';' || c == '#' || c == '\\' || c == '$') {
                    return "token \"" + shortened(t) + "\": '" + c + "' is not allowed outside a quoted string";
                } else if (c == '{' || c == '[' || c == '(') {
                    open.push(c);
                } else if (c == '}' || c == ']' || c == ')') {
                    char want = c == '}' ? '{' : c == ']' ? '[' : '(';
                    if (open.isEmpty() || open.pop() != want) {
                        return "token \"" + shortened(t) + "\": unbalanced '" + c + "'";
                    }
                }
            }
            if (quoted) {
                return "token \"" + shortened(t) + "\": unterminated quoted string";
            }
        }
        return open.isEmpty() ? null : "unbalanced '" + open.peek() + "'";
    }

    /** Why {@code conditions} cannot be iptables-restore parameters, or null: no control characters, sizes bounded. */
    public static String iptablesConditionsProblem(List<String> conditions) {
        String sizes = sizeProblem(conditions);
        if (sizes != null) {
            return sizes;
        }
        for (String t : conditions) {
            if (t.isEmpty()) {
                return "empty token";
            }
            if (t.chars().anyMatch(c -> isControl((char) c))) {
                return "token \"" + shortened(t) + "\": control characters (line breaks, tabs) are not allowed";
            }
        }
        return null;
    }

    /**
     * Why {@code name} cannot be an iptables chain to jump to, or null: 1 to 28 characters of
     * letters, digits and {@code _ . - + : @}, not starting with {@code -} or {@code !}.
     */
    public static String iptablesChainProblem(String name) {
        if (name.isEmpty() || name.length() > IPTABLES_CHAIN_MAX) {
            return "must be 1 to " + IPTABLES_CHAIN_MAX + " characters";
        }
        if (name.charAt(0) == '-') {
            return "cannot start with '-'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-'
                    || c == '+'
                    || c == ':'
                    || c == '@';
            if (!ok) {
                return "only letters, digits and '_', '.', '-', '+', ':', '@' are allowed";
            }
        }
        return null;
    }

    /**
     * One iptables-restore parameter: as is when it has no blank, quote or backslash, else in
     * {@code "..."} with {@code \} and {@code "} escaped. Throws {@link IllegalArgumentException}
     * for what no quoting can carry (control characters, more than 1023 bytes).
     */
    public static String iptablesQuoted(String token) {
        if (token.chars().anyMatch(c -> isControl((char) c))) {
            throw new IllegalArgumentException(
                    "cannot pass to iptables-restore (control character): " + shortened(token));
        }
        if (token.getBytes(StandardCharsets.UTF_8).length > IPTABLES_PARAM_MAX) {
            throw new IllegalArgumentException("cannot pass to iptables-restore (longer than " + IPTABLES_PARAM_MAX
                    + " bytes): " + shortened(token));
        }
        if (!token.isEmpty() && token.chars().noneMatch(ch -> ch == ' ' || ch == '"' || ch == '\\' || ch == '\'')) {
            return token;
        }
        return "\"" + token.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String sizeProblem(List<String> conditions) {
        if (conditions.size() > CONDITION_TOKENS_MAX) {
            return "more than " + CONDITION_TOKENS_MAX + " tokens";
        }
        for (String t : conditions) {
            if (t.length() > CONDITION_TOKEN_MAX) {
                return "token \"" + shortened(t) + "\" is longer than " + CONDITION_TOKEN_MAX + " characters";
            }
        }
        return null;
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f;
    }

    /** For messages: at most 40 characters, control characters shown as '?'. */
    public static String shortened(String s) {
        String head = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder b = new StringBuilder(head.length());
        head.chars().forEach(c -> b.append(isControl((char) c) ? '?' : (char) c));
        return b.toString();
    }
}
