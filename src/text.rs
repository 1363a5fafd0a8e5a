//! Text from servers anyone can write to (alert names, labels, annotations, log lines), made safe
//! for a terminal: control characters are shown escaped, never written raw, so an alert cannot
//! change the window title, clear the screen or hide text (ANSI escape sequences, bidi overrides).

/// `s` with every control character (C0, DEL, C1), line break and bidi override written as an
/// escape (`\e`, `\n`, `\u{202e}`): what reaches the terminal is plain text only.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Unicode bidirectional formatting characters (they reorder what follows on screen).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[track_caller]
    fn check(input: &str, expect: &str) {
        assert_eq!(for_terminal(input), expect, "{input:?}");
    }

    #[test]
    fn control_characters_are_escaped() {
        check("plain text: 5 €", "plain text: 5 €");
        check("\u{1b}]0;pwned\u{7}", "\\e]0;pwned\\u{7}");
        check("\u{1b}[2J\u{1b}[H", "\\e[2J\\e[H");
        check("line\nbreak\r", "line\\nbreak\\r");
        check("tab\there", "tab here");
        check("\u{9b}31m", "\\u{9b}31m");
        check("abc\u{202e}fed", "abc\\u{202e}fed");
        check("\u{7f}", "\\u{7f}");
    }
}
