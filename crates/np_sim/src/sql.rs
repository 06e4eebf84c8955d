//! The SQL subset OpenObserve's search accepts and the console sends:
//!
//! ```text
//! SELECT * | col, … | COUNT(*) [AS name]  FROM "stream"
//!   [WHERE expr]  [ORDER BY col [ASC|DESC]]  [LIMIT n]
//! expr := expr OR expr | expr AND expr | NOT expr | ( expr )
//!       | col (= | != | <> | < | <= | > | >=) literal | col [NOT] IN (literal, …) | col [NOT] LIKE 'pattern'
//!       | col IS [NOT] NULL | match_all('text') | str_match(col, 'text') | str_match_ignore_case(col, 'text')
//! literal := 'text' (quote doubled inside) | number
//! ```
//!
//! Identifiers are bare or "double-quoted". Anything else is a syntax error, as OpenObserve would report.

use serde_json::{Map, Value};

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    pub columns: Columns,
    pub stream: String,
    pub filter: Option<Expr>,
    pub order: Option<(String, bool)>,
    pub limit: Option<usize>,
}

/// What to select.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Columns {
    All,
    Named(Vec<String>),
    Count(String),
}

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(String, Op, Literal),
    In(String, Vec<Literal>),
    Like(String, String),
    IsNull(String),
    MatchAll(String),
    StrMatch(String, String, bool),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Text(String),
    Number(f64),
    Symbol(&'static str),
}

fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated {c} quote")),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        text.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        text.push(other);
                        i += 1;
                    }
                }
            }
            tokens.push(if c == '\'' {
                Token::Text(text)
            } else {
                Token::Quoted(text)
            });
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            tokens.push(Token::Number(
                text.parse().map_err(|_| format!("bad number {text}"))?,
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = match two.as_str() {
                "!=" => Some("!="),
                "<>" => Some("<>"),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(symbol) = symbol {
                tokens.push(Token::Symbol(symbol));
                i += 2;
                continue;
            }
            let symbol = match c {
                '=' => "=",
                '<' => "<",
                '>' => ">",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '*' => "*",
                ';' => ";",
                _ => return Err(format!("unexpected character {c:?}")),
            };
            tokens.push(Token::Symbol(symbol));
            i += 1;
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), String> {
        if self.keyword(word) {
            Ok(())
        } else {
            Err(format!("expected {word}"))
        }
    }

    fn symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<(), String> {
        if self.symbol(symbol) {
            Ok(())
        } else {
            Err(format!("expected {symbol}"))
        }
    }

    fn identifier(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => Ok(w),
            other => Err(format!("expected a column name, found {other:?}")),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            other => Err(format!("expected a literal, found {other:?}")),
        }
    }

    fn text(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Text(t)) => Ok(t),
            other => Err(format!("expected a string literal, found {other:?}")),
        }
    }

    fn query(&mut self) -> Result<Query, String> {
        self.expect_keyword("SELECT")?;
        let columns = if self.symbol("*") {
            Columns::All
        } else if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case("count"))
            && matches!(self.tokens.get(self.pos + 1), Some(Token::Symbol("(")))
        {
            self.pos += 1;
            self.expect_symbol("(")?;
            self.expect_symbol("*")?;
            self.expect_symbol(")")?;
            let name = if self.keyword("AS") {
                self.identifier()?
            } else {
                "count".into()
            };
            Columns::Count(name)
        } else {
            let mut names = vec![self.identifier()?];
            while self.symbol(",") {
                names.push(self.identifier()?);
            }
            Columns::Named(names)
        };
        self.expect_keyword("FROM")?;
        let stream = self.identifier()?;
        let filter = if self.keyword("WHERE") {
            Some(self.or()?)
        } else {
            None
        };
        let order = if self.keyword("ORDER") {
            self.expect_keyword("BY")?;
            let column = self.identifier()?;
            let descending = if self.keyword("DESC") {
                true
            } else {
                self.keyword("ASC");
                false
            };
            Some((column, descending))
        } else {
            None
        };
        let limit = if self.keyword("LIMIT") {
            match self.next() {
                Some(Token::Number(n)) if n >= 0.0 => Some(n as usize),
                other => return Err(format!("expected a row count after LIMIT, found {other:?}")),
            }
        } else {
            None
        };
        self.symbol(";");
        if let Some(extra) = self.peek() {
            return Err(format!("unexpected {extra:?} after the query"));
        }
        Ok(Query {
            columns,
            stream,
            filter,
            order,
            limit,
        })
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.symbol("(") {
            let inner = self.or()?;
            self.expect_symbol(")")?;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, String> {
        if let Some(Token::Word(w)) = self.peek().cloned()
            && matches!(self.tokens.get(self.pos + 1), Some(Token::Symbol("(")))
        {
            let function = w.to_ascii_lowercase();
            self.pos += 2;
            let expr = match function.as_str() {
                "match_all" => Expr::MatchAll(self.text()?),
                "str_match" | "str_match_ignore_case" => {
                    let column = self.identifier()?;
                    self.expect_symbol(",")?;
                    Expr::StrMatch(column, self.text()?, function == "str_match_ignore_case")
                }
                other => return Err(format!("unknown function {other}")),
            };
            self.expect_symbol(")")?;
            return Ok(expr);
        }
        let column = self.identifier()?;
        if self.keyword("IS") {
            let negated = self.keyword("NOT");
            self.expect_keyword("NULL")?;
            let expr = Expr::IsNull(column);
            return Ok(if negated {
                Expr::Not(Box::new(expr))
            } else {
                expr
            });
        }
        let negated = self.keyword("NOT");
        if self.keyword("IN") {
            self.expect_symbol("(")?;
            let mut values = vec![self.literal()?];
            while self.symbol(",") {
                values.push(self.literal()?);
            }
            self.expect_symbol(")")?;
            let expr = Expr::In(column, values);
            return Ok(if negated {
                Expr::Not(Box::new(expr))
            } else {
                expr
            });
        }
        if self.keyword("LIKE") {
            let expr = Expr::Like(column, self.text()?);
            return Ok(if negated {
                Expr::Not(Box::new(expr))
            } else {
                expr
            });
        }
        if negated {
            return Err("expected IN or LIKE after NOT".into());
        }
        let op = match self.next() {
            Some(Token::Symbol("=")) => Op::Eq,
            Some(Token::Symbol("!=" | "<>")) => Op::Ne,
            Some(Token::Symbol("<")) => Op::Lt,
            Some(Token::Symbol("<=")) => Op::Le,
            Some(Token::Symbol(">")) => Op::Gt,
            Some(Token::Symbol(">=")) => Op::Ge,
            other => {
                return Err(format!(
                    "expected an operator after {column}, found {other:?}"
                ));
            }
        };
        Ok(Expr::Compare(column, op, self.literal()?))
    }
}

/// Parses a query.
pub(crate) fn parse(sql: &str) -> Result<Query, String> {
    let tokens = tokenize(sql)?;
    Parser { tokens, pos: 0 }.query()
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compare(value: &Value, literal: &Literal) -> Option<std::cmp::Ordering> {
    match literal {
        Literal::Number(n) => value
            .as_f64()
            .or_else(|| value.as_str()?.parse().ok())?
            .partial_cmp(n),
        Literal::Text(t) => Some(as_text(value)?.as_str().cmp(t.as_str())),
    }
}

fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&t, &p)
}

impl Expr {
    /// Whether `record` matches.
    pub fn matches(&self, record: &Map<String, Value>) -> bool {
        let field = |name: &str| record.get(name).filter(|v| !v.is_null());
        match self {
            Self::And(a, b) => a.matches(record) && b.matches(record),
            Self::Or(a, b) => a.matches(record) || b.matches(record),
            Self::Not(e) => !e.matches(record),
            Self::Compare(column, op, literal) => field(column)
                .and_then(|v| compare(v, literal))
                .is_some_and(|o| match op {
                    Op::Eq => o.is_eq(),
                    Op::Ne => o.is_ne(),
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    Op::Ge => o.is_ge(),
                }),
            Self::In(column, values) => field(column).is_some_and(|v| {
                values
                    .iter()
                    .any(|l| compare(v, l).is_some_and(|o| o.is_eq()))
            }),
            Self::Like(column, pattern) => field(column)
                .and_then(as_text)
                .is_some_and(|t| like(&t, pattern)),
            Self::IsNull(column) => field(column).is_none(),
            Self::MatchAll(needle) => {
                let needle = needle.to_lowercase();
                record
                    .values()
                    .filter_map(Value::as_str)
                    .any(|s| s.to_lowercase().contains(&needle))
            }
            Self::StrMatch(column, needle, ignore_case) => {
                field(column).and_then(as_text).is_some_and(|t| {
                    if *ignore_case {
                        t.to_lowercase().contains(&needle.to_lowercase())
                    } else {
                        t.contains(needle.as_str())
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn parses_what_the_console_sends() {
        let q = parse(
            r#"SELECT _timestamp, message FROM "nomad_logs" WHERE nomad_namespace = 'acme' AND (stream = 'stdout' OR stream = 'stderr') AND match_all('it''s') ORDER BY _timestamp DESC LIMIT 100"#,
        )
        .unwrap();
        assert_eq!(q.stream, "nomad_logs");
        assert_eq!(
            q.columns,
            Columns::Named(vec!["_timestamp".into(), "message".into()])
        );
        assert_eq!(q.order, Some(("_timestamp".into(), true)));
        assert_eq!(q.limit, Some(100));
        let r = record(&[
            ("nomad_namespace", "acme".into()),
            ("stream", "stdout".into()),
            ("message", "it's ok".into()),
        ]);
        assert!(q.filter.as_ref().unwrap().matches(&r));
        let other_tenant = record(&[
            ("nomad_namespace", "globex".into()),
            ("stream", "stdout".into()),
            ("message", "it's".into()),
        ]);
        assert!(!q.filter.unwrap().matches(&other_tenant));
    }

    #[test]
    fn an_injected_quote_stays_inside_the_literal() {
        // The console doubles quotes; the text `x' OR 1=1 --` is then one literal, not SQL.
        let q = parse(
            r#"SELECT * FROM "s" WHERE nomad_namespace = 'acme' AND match_all('x'' OR 1=1 --')"#,
        )
        .unwrap();
        let r = record(&[
            ("nomad_namespace", "acme".into()),
            ("message", "nothing".into()),
        ]);
        assert!(!q.filter.unwrap().matches(&r));
    }

    #[test]
    fn comparisons_in_like_null_and_count() {
        let r = record(&[
            ("code", 500.into()),
            ("path", "/api/users".into()),
            ("empty", Value::Null),
        ]);
        let check = |sql: &str| {
            parse(&format!("SELECT * FROM s WHERE {sql}"))
                .unwrap()
                .filter
                .unwrap()
                .matches(&r)
        };
        assert!(check("code >= 500"));
        assert!(!check("code < 500"));
        assert!(check("code IN (404, 500)"));
        assert!(check("code NOT IN (200)"));
        assert!(check("path LIKE '/api/%'"));
        assert!(!check("path NOT LIKE '/api%'"));
        assert!(check("empty IS NULL"));
        assert!(check("path IS NOT NULL"));
        assert!(check("str_match_ignore_case(path, 'USERS')"));
        assert!(!check("str_match(path, 'USERS')"));
        assert_eq!(
            parse("SELECT COUNT(*) AS n FROM s").unwrap().columns,
            Columns::Count("n".into())
        );
    }

    #[test]
    fn malformed_queries_are_errors() {
        for bad in [
            "DELETE FROM s",
            "SELECT * FROM s WHERE",
            "SELECT * FROM s WHERE a = 'open",
            "SELECT * FROM s; DROP TABLE s",
            "SELECT * FROM s WHERE evil(1)",
            "SELECT * FROM s LIMIT -1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
