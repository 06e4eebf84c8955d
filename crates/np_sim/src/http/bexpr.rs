//! The go-bexpr filter language of Nomad's `?filter=` (the common subset): selectors such as `Status` or
//! `Meta["np.tenant"]`, operators `==`, `!=`, `contains`, `not contains`, `in`, `not in`, `is empty`,
//! `is not empty`, combined with `and`, `or`, `not` and parentheses.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Eq(Vec<String>, String, bool),
    Contains(Vec<String>, String, bool),
    Empty(Vec<String>, bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Sym(&'static str),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '"' | '`' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    if chars[i] == '\\' && quote == '"' && i + 1 < chars.len() {
                        i += 1;
                    }
                    s.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err("unterminated string".into());
                }
                i += 1;
                out.push(Tok::Str(s));
            }
            '(' | ')' | '[' | ']' | '.' => {
                out.push(Tok::Sym(match c {
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    _ => ".",
                }));
                i += 1;
            }
            '=' | '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Sym(if c == '=' { "==" } else { "!=" }));
                i += 2;
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
}

impl P {
    fn word(&mut self, w: &str) -> bool {
        if matches!(self.toks.get(self.pos), Some(Tok::Ident(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.toks.get(self.pos), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.word("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.not()?;
        while self.word("and") {
            left = Filter::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Filter, String> {
        if self.word("not") {
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        if self.sym("(") {
            let inner = self.or()?;
            if !self.sym(")") {
                return Err("expected )".into());
            }
            return Ok(inner);
        }
        if let Some(Tok::Str(value)) = self.toks.get(self.pos).cloned() {
            self.pos += 1;
            let negated = self.word("not");
            if !self.word("in") {
                return Err("expected in".into());
            }
            return Ok(Filter::Contains(self.selector()?, value, negated));
        }
        let selector = self.selector()?;
        if self.sym("==") || self.sym("!=") {
            let negated = matches!(self.toks.get(self.pos - 1), Some(Tok::Sym("!=")));
            return Ok(Filter::Eq(selector, self.value()?, negated));
        }
        if self.word("is") {
            let negated = self.word("not");
            if !self.word("empty") {
                return Err("expected empty".into());
            }
            return Ok(Filter::Empty(selector, negated));
        }
        let negated = self.word("not");
        if self.word("contains") {
            return Ok(Filter::Contains(selector, self.value()?, negated));
        }
        Err("expected an operator".into())
    }

    fn value(&mut self) -> Result<String, String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Str(s) | Tok::Ident(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err("expected a value".into()),
        }
    }

    fn selector(&mut self) -> Result<Vec<String>, String> {
        let mut path = match self.toks.get(self.pos).cloned() {
            Some(Tok::Ident(s)) => {
                self.pos += 1;
                vec![s]
            }
            _ => return Err("expected a selector".into()),
        };
        loop {
            if self.sym(".") {
                match self.toks.get(self.pos).cloned() {
                    Some(Tok::Ident(s)) => {
                        self.pos += 1;
                        path.push(s);
                    }
                    _ => return Err("expected a field after .".into()),
                }
            } else if self.sym("[") {
                match self.toks.get(self.pos).cloned() {
                    Some(Tok::Str(s) | Tok::Ident(s)) => {
                        self.pos += 1;
                        path.push(s);
                    }
                    _ => return Err("expected a key".into()),
                }
                if !self.sym("]") {
                    return Err("expected ]".into());
                }
            } else {
                return Ok(path);
            }
        }
    }
}

/// Parses a filter expression.
pub(crate) fn parse(text: &str) -> Result<Filter, String> {
    let mut parser = P {
        toks: lex(text)?,
        pos: 0,
    };
    let filter = parser.or()?;
    if parser.pos != parser.toks.len() {
        return Err("unexpected trailing input".into());
    }
    Ok(filter)
}

fn resolve<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Filter {
    /// Whether `value` (the full object, as JSON) passes.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Self::And(a, b) => a.matches(value) && b.matches(value),
            Self::Or(a, b) => a.matches(value) || b.matches(value),
            Self::Not(f) => !f.matches(value),
            Self::Eq(path, expected, negated) => {
                resolve(value, path).is_some_and(|v| text(v) == *expected) != *negated
            }
            Self::Contains(path, needle, negated) => {
                let found = match resolve(value, path) {
                    Some(Value::Array(items)) => items.iter().any(|i| text(i) == *needle),
                    Some(Value::Object(map)) => map.contains_key(needle),
                    Some(Value::String(s)) => s.contains(needle.as_str()),
                    _ => false,
                };
                found != *negated
            }
            Self::Empty(path, negated) => {
                let empty = match resolve(value, path) {
                    None | Some(Value::Null) => true,
                    Some(Value::Array(a)) => a.is_empty(),
                    Some(Value::Object(o)) => o.is_empty(),
                    Some(Value::String(s)) => s.is_empty(),
                    Some(_) => false,
                };
                empty != *negated
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_over_fields_maps_and_lists() {
        let job = serde_json::json!({"Status": "running", "Meta": {"np.tenant": "acme"}, "Datacenters": ["dc1"]});
        let pass = |f: &str| parse(f).unwrap().matches(&job);
        assert!(pass(r#"Status == "running""#));
        assert!(pass(r#"Meta["np.tenant"] == "acme" and Status != "dead""#));
        assert!(pass(r#""dc1" in Datacenters"#));
        assert!(pass(r#"Datacenters contains "dc1""#));
        assert!(!pass(r#"not (Status == "running")"#));
        assert!(pass(r#"Status == "dead" or Meta is not empty"#));
        assert!(parse("Status ===").is_err());
    }
}
