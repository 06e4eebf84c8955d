//! Terminal colours in log output, made safe to show: ANSI SGR sequences become styled spans of plain text
//! (rendered as text nodes, never as HTML); every other escape or control sequence is dropped.

/// A run of text with one style.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    /// The text, without escape sequences or control characters (tabs kept).
    pub text: String,
    /// CSS classes for its style (`ansi-fg-1 ansi-bold`), empty for none.
    pub class: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    fg: Option<u8>,
    bg: Option<u8>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

impl Style {
    fn class(self) -> String {
        let mut parts = Vec::new();
        if let Some(fg) = self.fg {
            parts.push(format!("ansi-fg-{fg}"));
        }
        if let Some(bg) = self.bg {
            parts.push(format!("ansi-bg-{bg}"));
        }
        for (on, name) in [
            (self.bold, "ansi-bold"),
            (self.dim, "ansi-dim"),
            (self.italic, "ansi-italic"),
            (self.underline, "ansi-underline"),
        ] {
            if on {
                parts.push(name.to_owned());
            }
        }
        parts.join(" ")
    }

    fn apply(&mut self, params: &str) {
        let codes: Vec<u16> = if params.is_empty() {
            vec![0]
        } else {
            params
                .split(';')
                .map(|p| p.parse().unwrap_or(u16::MAX))
                .collect()
        };
        let mut i = 0;
        while i < codes.len() {
            match codes[i] {
                0 => *self = Self::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                22 => {
                    self.bold = false;
                    self.dim = false;
                }
                23 => self.italic = false,
                24 => self.underline = false,
                c @ 30..=37 => self.fg = Some((c - 30) as u8),
                39 => self.fg = None,
                c @ 40..=47 => self.bg = Some((c - 40) as u8),
                49 => self.bg = None,
                c @ 90..=97 => self.fg = Some((c - 90 + 8) as u8),
                c @ 100..=107 => self.bg = Some((c - 100 + 8) as u8),
                // 256-colour and true-colour: the first 16 map onto the palette, the rest are dropped.
                c @ (38 | 48) => {
                    let colour = match codes.get(i + 1) {
                        Some(5) => {
                            i += 2;
                            codes.get(i).and_then(|&n| (n < 16).then_some(n as u8))
                        }
                        Some(2) => {
                            i += 4;
                            None
                        }
                        _ => None,
                    };
                    if c == 38 {
                        self.fg = colour;
                    } else {
                        self.bg = colour;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// Splits one line of terminal output into styled spans.
pub fn parse(line: &str) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut style = Style::default();
    let mut text = String::new();
    let mut chars = line.chars().peekable();
    let flush = |text: &mut String, style: Style, spans: &mut Vec<Span>| {
        if !text.is_empty() {
            spans.push(Span {
                text: std::mem::take(text),
                class: style.class(),
            });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut end = None;
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            end = Some(c);
                            break;
                        }
                        if params.len() < 64 {
                            params.push(c);
                        }
                    }
                    if end == Some('m') {
                        flush(&mut text, style, &mut spans);
                        style.apply(&params);
                    }
                }
                // OSC (titles, hyperlinks): skip to BEL or ST.
                Some(']') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\t' => text.push(c),
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    flush(&mut text, style, &mut spans);
    spans
}

/// The longest line shown whole; longer lines are cut, saying by how much.
pub const MAX_LINE: usize = 4000;

/// `line` cut to [`MAX_LINE`] characters, and how many were cut.
pub fn clip(line: &str) -> (&str, usize) {
    match line.char_indices().nth(MAX_LINE) {
        Some((at, _)) => (&line[..at], line[at..].chars().count()),
        None => (line, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_classes() {
        let spans = parse("\u{1b}[1;31mERROR\u{1b}[0m all good \u{1b}[92mok\u{1b}[m");
        assert_eq!(
            spans,
            vec![
                Span {
                    text: "ERROR".into(),
                    class: "ansi-fg-1 ansi-bold".into()
                },
                Span {
                    text: " all good ".into(),
                    class: String::new()
                },
                Span {
                    text: "ok".into(),
                    class: "ansi-fg-10".into()
                },
            ]
        );
    }

    #[test]
    fn markup_stays_text_and_other_escapes_vanish() {
        let spans = parse("<script>x</script>\u{1b}]0;title\u{7}\u{1b}[2K\u{8}done\r");
        let text: String = spans.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "<script>x</script>done");
        assert!(spans.iter().all(|s| s.class.is_empty()));
    }

    #[test]
    fn extended_colours_map_or_drop() {
        assert_eq!(parse("\u{1b}[38;5;9mx")[0].class, "ansi-fg-9");
        assert_eq!(parse("\u{1b}[38;5;200mx")[0].class, "");
        assert_eq!(parse("\u{1b}[38;2;1;2;3;1mx")[0].class, "ansi-bold");
    }

    #[test]
    fn an_unterminated_sequence_does_not_swallow_more_than_itself() {
        assert!(parse("a\u{1b}[31").iter().all(|s| s.text == "a"));
    }

    #[test]
    fn long_lines_are_clipped_with_the_count() {
        let long = "é".repeat(MAX_LINE + 5);
        let (shown, cut) = clip(&long);
        assert_eq!(shown.chars().count(), MAX_LINE);
        assert_eq!(cut, 5);
        assert_eq!(clip("short"), ("short", 0));
    }
}
