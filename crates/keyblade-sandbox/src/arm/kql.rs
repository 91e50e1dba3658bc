//! The subset of the Kusto Query Language that the sandbox's Resource Graph
//! answers. Anything outside it is refused with a message naming what is not
//! supported, never silently ignored (a query that returned the wrong rows would
//! make the fleet view's tests pass on a lie).
//!
//! Supported (documented in the crate README, "Resource Graph"):
//! - tables: `Resources`, `ResourceContainers` (subscriptions and resource groups);
//! - operators: `where`, `project`, `project-away`, `extend`, `limit`/`take`,
//!   `order by`/`sort by` (`asc`/`desc`), `top N by`, `count`,
//!   `summarize count() [by col, …]`, `distinct col, …`;
//! - expressions: `and`, `or`, `not(…)`, `!`; `==`, `!=`, `=~`, `!~`, `<`, `<=`,
//!   `>`, `>=`; `contains`, `!contains`, `has`, `!has`, `startswith`,
//!   `!startswith`, `endswith`, `!endswith` (case-insensitive, as in Kusto);
//!   `in`, `!in`, `in~`, `!in~` with a parenthesised list; paths `a.b.c`, `a['b']`,
//!   `a[0]`; string, number, boolean literals; `dynamic(null)`;
//! - functions: `isnotempty`, `isempty`, `isnull`, `isnotnull`, `tolower`,
//!   `toupper`, `tostring`, `toint`, `tobool`, `strlen`, `strcat`, `iff`/`iif`,
//!   `coalesce`, `split`, `array_length`, `case`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A parse or evaluation error, with the position in the query it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub position: usize,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        message: message.into(),
        position,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "|", ",", "(", ")", "[", "]", ".", "=", "<", ">", "!", "-",
    "+", "*", "/", "~",
];

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        if c == b'\''
            || c == b'"'
            || (c == b'@' && matches!(bytes.get(i + 1), Some(b'\'') | Some(b'"')))
        {
            let verbatim = c == b'@';
            if verbatim {
                i += 1;
            }
            let quote = bytes[i];
            i += 1;
            let mut text = String::new();
            loop {
                let Some(&b) = bytes.get(i) else {
                    return err(start, "the string that starts here is not closed");
                };
                if b == quote {
                    i += 1;
                    break;
                }
                if b == b'\\' && !verbatim {
                    let Some(&escaped) = bytes.get(i + 1) else {
                        return err(i, "the escape at the end of the query is incomplete");
                    };
                    text.push(match escaped {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        other => other as char,
                    });
                    i += 2;
                    continue;
                }
                // Copy a whole UTF-8 character.
                let ch_len = utf8_len(b);
                text.push_str(&input[i..i + ch_len]);
                i += ch_len;
            }
            tokens.push(Token {
                tok: Tok::Str(text),
                pos: start,
            });
            continue;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let text = &input[start..i];
            let Ok(n) = text.parse::<f64>() else {
                return err(start, format!("'{text}' is not a number"));
            };
            tokens.push(Token {
                tok: Tok::Num(n),
                pos: start,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
            {
                i += 1;
            }
            let mut word = input[start..i].to_owned();
            // `project-away`, `project-keep`, `project-rename`, `mv-expand`: one operator name.
            for suffix in ["-away", "-keep", "-rename", "-reorder", "-expand"] {
                if input[i..].starts_with(suffix) {
                    word.push_str(suffix);
                    i += suffix.len();
                    break;
                }
            }
            tokens.push(Token {
                tok: Tok::Ident(word),
                pos: start,
            });
            continue;
        }
        let Some(sym) = SYMBOLS.iter().find(|s| input[i..].starts_with(**s)) else {
            return err(
                start,
                format!("unexpected character '{}'", &input[i..i + utf8_len(c)]),
            );
        };
        tokens.push(Token {
            tok: Tok::Sym(sym),
            pos: start,
        });
        i += sym.len();
    }
    Ok(tokens)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    Column(String),
    Member(Box<Expr>, String),
    Index(Box<Expr>, i64),
    Binary(Box<Expr>, BinOp, Box<Expr>),
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    Not(Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    EqCi,
    NeCi,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
    Has,
    NotHas,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Add,
    Sub,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Project(Vec<(String, Expr)>),
    ProjectAway(Vec<String>),
    Extend(Vec<(String, Expr)>),
    Limit(usize),
    Order(Vec<(Expr, bool)>),
    Top(usize, Vec<(Expr, bool)>),
    Count,
    SummarizeCount {
        column: String,
        by: Vec<(String, Expr)>,
    },
    Distinct(Vec<(String, Expr)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Resources,
    ResourceContainers,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub table: Table,
    pub operators: Vec<Operator>,
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.tokens.get(self.at).map(|t| t.tok.clone());
        self.at += 1;
        tok
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), QueryError> {
        if self.is_sym(sym) {
            self.at += 1;
            Ok(())
        } else {
            err(self.pos(), format!("expected '{sym}' here"))
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), QueryError> {
        if self.is_word(word) {
            self.at += 1;
            Ok(())
        } else {
            err(self.pos(), format!("expected '{word}' here"))
        }
    }

    fn ident(&mut self) -> Result<String, QueryError> {
        let pos = self.pos();
        match self.next() {
            Some(Tok::Ident(w)) => Ok(w),
            _ => err(pos, "expected a column name here"),
        }
    }

    fn integer(&mut self) -> Result<usize, QueryError> {
        let pos = self.pos();
        match self.next() {
            Some(Tok::Num(n)) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            _ => err(pos, "expected a whole number here"),
        }
    }

    fn query(&mut self) -> Result<Query, QueryError> {
        let table = if self.is_sym("|") {
            Table::Resources
        } else {
            let pos = self.pos();
            let name = self.ident()?;
            match name.to_ascii_lowercase().as_str() {
                "resources" => Table::Resources,
                "resourcecontainers" => Table::ResourceContainers,
                other => {
                    return err(
                        pos,
                        format!(
                            "the table '{other}' is not served by the sandbox; it serves 'Resources' and 'ResourceContainers'"
                        ),
                    );
                }
            }
        };
        let mut operators = Vec::new();
        while self.at < self.tokens.len() {
            self.expect_sym("|")?;
            operators.push(self.operator()?);
        }
        Ok(Query { table, operators })
    }

    fn operator(&mut self) -> Result<Operator, QueryError> {
        let pos = self.pos();
        let name = self.ident()?.to_ascii_lowercase();
        match name.as_str() {
            "where" => Ok(Operator::Where(self.expr()?)),
            "project" => Ok(Operator::Project(self.named_list()?)),
            "extend" => Ok(Operator::Extend(self.named_list()?)),
            "project-away" => {
                let mut names = vec![self.ident()?];
                while self.is_sym(",") {
                    self.at += 1;
                    names.push(self.ident()?);
                }
                Ok(Operator::ProjectAway(names))
            }
            "limit" | "take" => Ok(Operator::Limit(self.integer()?)),
            "order" | "sort" => {
                self.expect_word("by")?;
                Ok(Operator::Order(self.sort_keys()?))
            }
            "top" => {
                let n = self.integer()?;
                self.expect_word("by")?;
                Ok(Operator::Top(n, self.sort_keys()?))
            }
            "count" => Ok(Operator::Count),
            "summarize" => {
                let column = if matches!(
                    self.tokens.get(self.at + 1).map(|t| &t.tok),
                    Some(Tok::Sym("="))
                ) {
                    let column = self.ident()?;
                    self.expect_sym("=")?;
                    column
                } else {
                    "count_".to_owned()
                };
                let fpos = self.pos();
                let function = self.ident()?;
                if !function.eq_ignore_ascii_case("count") {
                    return err(
                        fpos,
                        format!(
                            "the aggregation '{function}' is not supported by the sandbox; only count() is"
                        ),
                    );
                }
                self.expect_sym("(")?;
                self.expect_sym(")")?;
                let by = if self.is_word("by") {
                    self.at += 1;
                    self.named_list()?
                } else {
                    Vec::new()
                };
                if self.is_sym(",") {
                    return err(
                        self.pos(),
                        "only one aggregation, count(), is supported by the sandbox",
                    );
                }
                Ok(Operator::SummarizeCount { column, by })
            }
            "distinct" => Ok(Operator::Distinct(self.named_list()?)),
            other => err(
                pos,
                format!(
                    "the operator '{other}' is not supported by the sandbox; supported: where, project, project-away, \
                     extend, limit, take, order by, sort by, top, count, summarize count(), distinct"
                ),
            ),
        }
    }

    fn sort_keys(&mut self) -> Result<Vec<(Expr, bool)>, QueryError> {
        let mut keys = Vec::new();
        loop {
            let expr = self.expr()?;
            // Kusto sorts descending unless told otherwise.
            let mut descending = true;
            if self.is_word("asc") {
                descending = false;
                self.at += 1;
            } else if self.is_word("desc") {
                self.at += 1;
            }
            keys.push((expr, descending));
            if !self.is_sym(",") {
                return Ok(keys);
            }
            self.at += 1;
        }
    }

    /// `name = expr` or `expr` (named after its last path segment), comma-separated.
    fn named_list(&mut self) -> Result<Vec<(String, Expr)>, QueryError> {
        let mut items = Vec::new();
        loop {
            let named = matches!(self.peek(), Some(Tok::Ident(_)))
                && matches!(
                    self.tokens.get(self.at + 1).map(|t| &t.tok),
                    Some(Tok::Sym("="))
                );
            if named {
                let name = self.ident()?;
                self.expect_sym("=")?;
                items.push((name, self.expr()?));
            } else {
                let pos = self.pos();
                let expr = self.expr()?;
                let Some(name) = default_column_name(&expr) else {
                    return err(pos, "give this expression a column name: name = expression");
                };
                items.push((name, expr));
            }
            if !self.is_sym(",") {
                return Ok(items);
            }
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and_expr()?;
        while self.is_word("or") {
            self.at += 1;
            let right = self.and_expr()?;
            left = Expr::Binary(Box::new(left), BinOp::Or, Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.comparison()?;
        while self.is_word("and") {
            self.at += 1;
            let right = self.comparison()?;
            left = Expr::Binary(Box::new(left), BinOp::And, Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.additive()?;
        let pos = self.pos();
        // `!in`, `!contains` … arrive as `!` followed by a word.
        let negated_word = self.is_sym("!")
            && matches!(
                self.tokens.get(self.at + 1).map(|t| &t.tok),
                Some(Tok::Ident(_))
            );
        let symbol_op = match self.peek() {
            Some(Tok::Sym("==")) => Some(BinOp::Eq),
            Some(Tok::Sym("!=")) => Some(BinOp::Ne),
            Some(Tok::Sym("=~")) => Some(BinOp::EqCi),
            Some(Tok::Sym("!~")) => Some(BinOp::NeCi),
            Some(Tok::Sym("<")) => Some(BinOp::Lt),
            Some(Tok::Sym("<=")) => Some(BinOp::Le),
            Some(Tok::Sym(">")) => Some(BinOp::Gt),
            Some(Tok::Sym(">=")) => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = symbol_op {
            self.at += 1;
            let right = self.additive()?;
            return Ok(Expr::Binary(Box::new(left), op, Box::new(right)));
        }
        let word = match (
            negated_word,
            self.tokens
                .get(self.at + usize::from(negated_word))
                .map(|t| &t.tok),
        ) {
            (_, Some(Tok::Ident(w))) => w.to_ascii_lowercase(),
            _ => return Ok(left),
        };
        let op = match word.as_str() {
            "contains" => Some((BinOp::Contains, BinOp::NotContains)),
            "has" => Some((BinOp::Has, BinOp::NotHas)),
            "startswith" => Some((BinOp::StartsWith, BinOp::NotStartsWith)),
            "endswith" => Some((BinOp::EndsWith, BinOp::NotEndsWith)),
            "in" => None,
            "and" | "or" | "asc" | "desc" | "by" => return Ok(left),
            other if negated_word => {
                return err(
                    pos,
                    format!("the operator '!{other}' is not supported by the sandbox"),
                );
            }
            "contains_cs" | "has_cs" | "startswith_cs" | "endswith_cs" | "matches" | "between"
            | "has_any" | "has_all" => {
                return err(
                    pos,
                    format!("the operator '{word}' is not supported by the sandbox"),
                );
            }
            _ => return Ok(left),
        };
        self.at += 1 + usize::from(negated_word);
        if let Some((positive, negative)) = op {
            let right = self.additive()?;
            let op = if negated_word { negative } else { positive };
            return Ok(Expr::Binary(Box::new(left), op, Box::new(right)));
        }
        // `in` / `in~` / `!in` / `!in~`
        let case_insensitive = if self.is_sym("~") {
            self.at += 1;
            true
        } else {
            false
        };
        self.expect_sym("(")?;
        let mut list = Vec::new();
        if !self.is_sym(")") {
            loop {
                list.push(self.expr()?);
                if !self.is_sym(",") {
                    break;
                }
                self.at += 1;
            }
        }
        self.expect_sym(")")?;
        Ok(Expr::In {
            value: Box::new(left),
            list,
            negated: negated_word,
            case_insensitive,
        })
    }

    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        loop {
            let op = if self.is_sym("+") {
                BinOp::Add
            } else if self.is_sym("-") {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            self.at += 1;
            let right = self.unary()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.is_sym("!") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.is_sym("-") {
            self.at += 1;
            let pos = self.pos();
            return match self.next() {
                Some(Tok::Num(n)) => Ok(Expr::Literal(number(-n))),
                _ => err(pos, "expected a number after '-'"),
            };
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, QueryError> {
        let mut expr = self.primary()?;
        loop {
            if self.is_sym(".") {
                self.at += 1;
                let name = self.ident()?;
                expr = Expr::Member(Box::new(expr), name);
            } else if self.is_sym("[") {
                self.at += 1;
                let pos = self.pos();
                expr = match self.next() {
                    Some(Tok::Str(s)) => Expr::Member(Box::new(expr), s),
                    Some(Tok::Num(n)) if n.fract() == 0.0 => Expr::Index(Box::new(expr), n as i64),
                    _ => return err(pos, "expected a quoted property name or an index here"),
                };
                self.expect_sym("]")?;
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let pos = self.pos();
        match self.next() {
            Some(Tok::Str(s)) => Ok(Expr::Literal(Value::String(s))),
            Some(Tok::Num(n)) => Ok(Expr::Literal(number(n))),
            Some(Tok::Sym("(")) => {
                let inner = self.expr()?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Some(Tok::Ident(word)) => {
                let lower = word.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Expr::Literal(Value::Bool(true))),
                    "false" => return Ok(Expr::Literal(Value::Bool(false))),
                    _ => {}
                }
                if self.is_sym("(") {
                    self.at += 1;
                    if lower == "dynamic" {
                        let inner_pos = self.pos();
                        let value = match self.next() {
                            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
                            Some(Tok::Str(s)) => Value::String(s),
                            Some(Tok::Num(n)) => number(n),
                            _ => {
                                return err(
                                    inner_pos,
                                    "the sandbox supports dynamic(null), dynamic('text') and dynamic(number) only",
                                );
                            }
                        };
                        self.expect_sym(")")?;
                        return Ok(Expr::Literal(value));
                    }
                    if !FUNCTIONS.contains(&lower.as_str()) {
                        return err(
                            pos,
                            format!(
                                "the function '{word}' is not supported by the sandbox; supported: {}",
                                FUNCTIONS.join(", ")
                            ),
                        );
                    }
                    let mut args = Vec::new();
                    if !self.is_sym(")") {
                        loop {
                            args.push(self.expr()?);
                            if !self.is_sym(",") {
                                break;
                            }
                            self.at += 1;
                        }
                    }
                    self.expect_sym(")")?;
                    return Ok(Expr::Call(lower, args));
                }
                Ok(Expr::Column(word))
            }
            _ => err(pos, "expected a value, a column or a function here"),
        }
    }
}

const FUNCTIONS: &[&str] = &[
    "isnotempty",
    "isempty",
    "isnull",
    "isnotnull",
    "tolower",
    "toupper",
    "tostring",
    "toint",
    "tolong",
    "tobool",
    "strlen",
    "strcat",
    "iff",
    "iif",
    "coalesce",
    "split",
    "array_length",
    "case",
    "not",
];

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Kusto's automatic column name: `properties.encryption.status` becomes
/// `properties_encryption_status`.
fn default_column_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Column(name) => Some(name.clone()),
        Expr::Member(inner, name) => Some(format!("{}_{}", default_column_name(inner)?, name)),
        Expr::Index(inner, i) => Some(format!("{}_{}", default_column_name(inner)?, i)),
        _ => None,
    }
}

pub fn parse(query: &str) -> Result<Query, QueryError> {
    let tokens = lex(query)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        end: query.len(),
    };
    parser.query()
}

pub type Row = Map<String, Value>;

/// A query's result: rows, and the column order Kusto would report (JSON
/// objects do not keep one).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// Runs the query's operators over the table's rows; `columns` is the table's column order.
pub fn run(query: &Query, mut rows: Vec<Row>, columns: &[&str]) -> Result<Output, QueryError> {
    let mut order: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    for op in &query.operators {
        order = match op {
            Operator::Project(cols) | Operator::Distinct(cols) => {
                cols.iter().map(|(n, _)| n.clone()).collect()
            }
            Operator::Extend(cols) => {
                let mut next = order.clone();
                for (name, _) in cols {
                    if !next.contains(name) {
                        next.push(name.clone());
                    }
                }
                next
            }
            Operator::ProjectAway(names) => order
                .iter()
                .filter(|c| !names.contains(c))
                .cloned()
                .collect(),
            Operator::Count => vec!["Count".to_owned()],
            Operator::SummarizeCount { column, by } => {
                let mut next: Vec<String> = by.iter().map(|(n, _)| n.clone()).collect();
                next.push(column.clone());
                next
            }
            _ => order,
        };
        rows = match op {
            Operator::Where(predicate) => {
                let mut kept = Vec::with_capacity(rows.len());
                for row in rows {
                    if truthy(&eval(predicate, &row)?) {
                        kept.push(row);
                    }
                }
                kept
            }
            Operator::Project(columns) => rows
                .iter()
                .map(|row| {
                    let mut out = Row::new();
                    for (name, expr) in columns {
                        out.insert(name.clone(), eval(expr, row)?);
                    }
                    Ok(out)
                })
                .collect::<Result<_, QueryError>>()?,
            Operator::Extend(columns) => rows
                .into_iter()
                .map(|mut row| {
                    for (name, expr) in columns {
                        let value = eval(expr, &row)?;
                        row.insert(name.clone(), value);
                    }
                    Ok(row)
                })
                .collect::<Result<_, QueryError>>()?,
            Operator::ProjectAway(names) => rows
                .into_iter()
                .map(|mut row| {
                    for name in names {
                        row.remove(name);
                    }
                    row
                })
                .collect(),
            Operator::Limit(n) => rows.into_iter().take(*n).collect(),
            Operator::Order(keys) => sort_rows(rows, keys)?,
            Operator::Top(n, keys) => sort_rows(rows, keys)?.into_iter().take(*n).collect(),
            Operator::Count => {
                let mut row = Row::new();
                row.insert("Count".to_owned(), Value::from(rows.len()));
                vec![row]
            }
            Operator::SummarizeCount { column, by } => summarize_count(rows, column, by)?,
            Operator::Distinct(columns) => {
                let mut seen: Vec<Row> = Vec::new();
                for row in &rows {
                    let mut out = Row::new();
                    for (name, expr) in columns {
                        out.insert(name.clone(), eval(expr, row)?);
                    }
                    if !seen.contains(&out) {
                        seen.push(out);
                    }
                }
                seen
            }
        };
    }
    Ok(Output {
        columns: order,
        rows,
    })
}

fn sort_rows(rows: Vec<Row>, keys: &[(Expr, bool)]) -> Result<Vec<Row>, QueryError> {
    let mut keyed: Vec<(Vec<Value>, Row)> = rows
        .into_iter()
        .map(|row| {
            let values = keys
                .iter()
                .map(|(e, _)| eval(e, &row))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((values, row))
        })
        .collect::<Result<_, QueryError>>()?;
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, (_, descending)) in keys.iter().enumerate() {
            let ord = compare_values(&a[i], &b[i]);
            let ord = if *descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    Ok(keyed.into_iter().map(|(_, row)| row).collect())
}

fn summarize_count(
    rows: Vec<Row>,
    column: &str,
    by: &[(String, Expr)],
) -> Result<Vec<Row>, QueryError> {
    let mut groups: Vec<(Vec<Value>, usize)> = Vec::new();
    for row in &rows {
        let key = by
            .iter()
            .map(|(_, e)| eval(e, row))
            .collect::<Result<Vec<_>, _>>()?;
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => *count += 1,
            None => groups.push((key, 1)),
        }
    }
    if by.is_empty() && groups.is_empty() {
        groups.push((Vec::new(), 0));
    }
    Ok(groups
        .into_iter()
        .map(|(key, count)| {
            let mut row = Row::new();
            for ((name, _), value) in by.iter().zip(key) {
                row.insert(name.clone(), value);
            }
            row.insert(column.to_owned(), Value::from(count));
            row
        })
        .collect())
}

fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => as_text(a).cmp(&as_text(b)),
    }
}

/// Kusto's string view of a value: null is the empty string.
fn as_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Kusto's `has`: `term` appears as a whole token (alphanumeric runs).
fn has_term(haystack: &str, term: &str) -> bool {
    let haystack = haystack.to_lowercase();
    let term = term.to_lowercase();
    if term.is_empty() {
        return true;
    }
    haystack.match_indices(&term).any(|(i, m)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn eval(expr: &Expr, row: &Row) -> Result<Value, QueryError> {
    Ok(match expr {
        Expr::Literal(v) => v.clone(),
        Expr::Column(name) => row
            .get(name)
            .or_else(|| {
                row.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .cloned()
            .unwrap_or(Value::Null),
        Expr::Member(inner, name) => match eval(inner, row)? {
            // Resource Graph matches property names case-insensitively.
            Value::Object(map) => map
                .get(name)
                .or_else(|| {
                    map.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v)
                })
                .cloned()
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Expr::Index(inner, i) => match eval(inner, row)? {
            Value::Array(items) => {
                let index = if *i < 0 { items.len() as i64 + i } else { *i };
                usize::try_from(index)
                    .ok()
                    .and_then(|i| items.get(i).cloned())
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        Expr::Not(inner) => Value::Bool(!truthy(&eval(inner, row)?)),
        Expr::In {
            value,
            list,
            negated,
            case_insensitive,
        } => {
            let needle = eval(value, row)?;
            let mut found = false;
            for item in list {
                let candidate = eval(item, row)?;
                let hit = match &candidate {
                    Value::Array(items) => items
                        .iter()
                        .any(|c| values_equal(&needle, c, *case_insensitive)),
                    other => values_equal(&needle, other, *case_insensitive),
                };
                if hit {
                    found = true;
                    break;
                }
            }
            Value::Bool(found != *negated)
        }
        Expr::Binary(left, op, right) => {
            let l = eval(left, row)?;
            match op {
                BinOp::And => return Ok(Value::Bool(truthy(&l) && truthy(&eval(right, row)?))),
                BinOp::Or => return Ok(Value::Bool(truthy(&l) || truthy(&eval(right, row)?))),
                _ => {}
            }
            let r = eval(right, row)?;
            let lt = as_text(&l).to_lowercase();
            let rt = as_text(&r).to_lowercase();
            match op {
                BinOp::Eq => Value::Bool(values_equal(&l, &r, false)),
                BinOp::Ne => Value::Bool(!values_equal(&l, &r, false)),
                BinOp::EqCi => Value::Bool(values_equal(&l, &r, true)),
                BinOp::NeCi => Value::Bool(!values_equal(&l, &r, true)),
                BinOp::Lt => Value::Bool(compare_values(&l, &r) == Ordering::Less),
                BinOp::Le => Value::Bool(compare_values(&l, &r) != Ordering::Greater),
                BinOp::Gt => Value::Bool(compare_values(&l, &r) == Ordering::Greater),
                BinOp::Ge => Value::Bool(compare_values(&l, &r) != Ordering::Less),
                BinOp::Contains => Value::Bool(lt.contains(&rt)),
                BinOp::NotContains => Value::Bool(!lt.contains(&rt)),
                BinOp::Has => Value::Bool(has_term(&lt, &rt)),
                BinOp::NotHas => Value::Bool(!has_term(&lt, &rt)),
                BinOp::StartsWith => Value::Bool(lt.starts_with(&rt)),
                BinOp::NotStartsWith => Value::Bool(!lt.starts_with(&rt)),
                BinOp::EndsWith => Value::Bool(lt.ends_with(&rt)),
                BinOp::NotEndsWith => Value::Bool(!lt.ends_with(&rt)),
                BinOp::Add | BinOp::Sub => match (l.as_f64(), r.as_f64()) {
                    (Some(a), Some(b)) => number(if *op == BinOp::Add { a + b } else { a - b }),
                    _ => Value::Null,
                },
                BinOp::And | BinOp::Or => Value::Null,
            }
        }
        Expr::Call(name, args) => call(name, args, row)?,
    })
}

fn values_equal(a: &Value, b: &Value, case_insensitive: bool) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bool(x), Value::String(s)) | (Value::String(s), Value::Bool(x)) => {
            s.eq_ignore_ascii_case(&x.to_string())
        }
        _ => {
            let (x, y) = (as_text(a), as_text(b));
            if case_insensitive {
                x.to_lowercase() == y.to_lowercase()
            } else {
                x == y
            }
        }
    }
}

fn call(name: &str, args: &[Expr], row: &Row) -> Result<Value, QueryError> {
    let values = args
        .iter()
        .map(|a| eval(a, row))
        .collect::<Result<Vec<_>, _>>()?;
    let arg = |i: usize| values.get(i).cloned().unwrap_or(Value::Null);
    let arity = |n: usize| -> Result<(), QueryError> {
        if values.len() == n {
            Ok(())
        } else {
            err(
                0,
                format!("{name}() takes {n} argument(s), {} given", values.len()),
            )
        }
    };
    Ok(match name {
        "isnotempty" => {
            arity(1)?;
            Value::Bool(!is_empty(&arg(0)))
        }
        "isempty" => {
            arity(1)?;
            Value::Bool(is_empty(&arg(0)))
        }
        "isnull" => {
            arity(1)?;
            Value::Bool(arg(0).is_null())
        }
        "isnotnull" => {
            arity(1)?;
            Value::Bool(!arg(0).is_null())
        }
        "not" => {
            arity(1)?;
            Value::Bool(!truthy(&arg(0)))
        }
        "tolower" => {
            arity(1)?;
            Value::String(as_text(&arg(0)).to_lowercase())
        }
        "toupper" => {
            arity(1)?;
            Value::String(as_text(&arg(0)).to_uppercase())
        }
        "tostring" => {
            arity(1)?;
            Value::String(as_text(&arg(0)))
        }
        "toint" | "tolong" => {
            arity(1)?;
            match arg(0) {
                Value::Number(n) => Value::from(n.as_f64().unwrap_or(0.0) as i64),
                Value::String(s) => s.trim().parse::<i64>().map_or(Value::Null, Value::from),
                Value::Bool(b) => Value::from(i64::from(b)),
                _ => Value::Null,
            }
        }
        "tobool" => {
            arity(1)?;
            match arg(0) {
                Value::Bool(b) => Value::Bool(b),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
                Value::Number(n) => Value::Bool(n.as_f64().unwrap_or(0.0) != 0.0),
                _ => Value::Null,
            }
        }
        "strlen" => {
            arity(1)?;
            Value::from(as_text(&arg(0)).chars().count())
        }
        "strcat" => Value::String(values.iter().map(as_text).collect()),
        "iff" | "iif" => {
            arity(3)?;
            if truthy(&arg(0)) { arg(1) } else { arg(2) }
        }
        "coalesce" => values
            .iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Null),
        "split" => {
            arity(2)?;
            let text = as_text(&arg(0));
            let separator = as_text(&arg(1));
            if separator.is_empty() {
                Value::Array(vec![Value::String(text)])
            } else {
                Value::Array(
                    text.split(separator.as_str())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                )
            }
        }
        "array_length" => {
            arity(1)?;
            match arg(0) {
                Value::Array(items) => Value::from(items.len()),
                _ => Value::Null,
            }
        }
        "case" => {
            if values.len() % 2 == 0 {
                return err(
                    0,
                    "case() takes condition/value pairs and a final else value",
                );
            }
            let mut result = values.last().cloned().unwrap_or(Value::Null);
            for pair in values[..values.len() - 1].chunks(2) {
                if truthy(&pair[0]) {
                    result = pair[1].clone();
                    break;
                }
            }
            result
        }
        other => {
            return err(
                0,
                format!("the function '{other}' is not supported by the sandbox"),
            );
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows() -> Vec<Row> {
        let items = json!([
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/a",
             "name": "a", "type": "microsoft.containerregistry/registries", "location": "westus",
             "properties": {"encryption": {"status": "enabled",
                "keyVaultProperties": {"keyIdentifier": "https://kv.vault.localhost:1/keys/k"}}}},
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/b",
             "name": "b", "type": "microsoft.containerregistry/registries", "location": "eastus",
             "properties": {"encryption": {"status": "disabled"}}},
            {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
             "name": "kv", "type": "microsoft.keyvault/vaults", "location": "westus", "properties": {}}
        ]);
        items
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_object().expect("object").clone())
            .collect()
    }

    fn names(query: &str) -> Vec<String> {
        let q = parse(query).expect("parses");
        run(&q, rows(), &[])
            .expect("runs")
            .rows
            .iter()
            .map(|r| {
                r.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn filters_and_projections_follow_kusto() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Resources | where type =~ 'Microsoft.ContainerRegistry/registries'",
                &["a", "b"],
            ),
            (
                "Resources | where type == 'Microsoft.ContainerRegistry/registries'",
                &[],
            ),
            (
                "Resources | where isnotempty(properties.encryption.keyVaultProperties.keyIdentifier)",
                &["a"],
            ),
            (
                "Resources | where properties.encryption.status != 'enabled'",
                &["b", "kv"],
            ),
            (
                "Resources | where type in~ ('microsoft.keyvault/vaults', 'X') | project name",
                &["kv"],
            ),
            (
                "Resources | where type !in~ ('microsoft.keyvault/vaults') and location == 'westus'",
                &["a"],
            ),
            (
                "Resources | where name startswith 'k' or name endswith 'b'",
                &["b", "kv"],
            ),
            ("Resources | order by name desc | take 2", &["kv", "b"]),
            (
                "Resources | where properties['encryption'].status =~ 'ENABLED'",
                &["a"],
            ),
            ("Resources | where not(name has 'a')", &["b", "kv"]),
        ];
        for (query, expected) in cases {
            assert_eq!(names(query), *expected, "{query}");
        }
    }

    #[test]
    fn projected_paths_are_named_like_kusto_names_them() {
        let q = parse("Resources | where name == 'a' | project id, properties.encryption.status, kv = properties.encryption.keyVaultProperties.keyIdentifier")
            .expect("parses");
        let out = run(&q, rows(), &["id", "name"]).expect("runs");
        assert_eq!(out.rows.len(), 1);
        assert_eq!(out.columns, ["id", "properties_encryption_status", "kv"]);
        assert_eq!(
            out.rows[0]["properties_encryption_status"],
            json!("enabled")
        );
    }

    #[test]
    fn summarize_counts_by_group() {
        let q = parse("Resources | summarize count() by type").expect("parses");
        let out = run(&q, rows(), &[]).expect("runs");
        assert_eq!(out.rows.len(), 2);
        assert_eq!(out.columns, ["type", "count_"]);
        assert_eq!(out.rows[0]["count_"], json!(2));
        let q = parse("Resources | count").expect("parses");
        assert_eq!(
            run(&q, rows(), &[]).expect("runs").rows[0]["Count"],
            json!(3)
        );
    }

    #[test]
    fn unsupported_syntax_is_refused_with_its_name() {
        for (query, fragment) in [
            (
                "Resources | join (ResourceContainers) on subscriptionId",
                "'join'",
            ),
            ("Resources | where name matches regex 'a'", "'matches'"),
            ("Resources | extend x = parse_json(name)", "'parse_json'"),
            ("SecurityResources | limit 1", "'securityresources'"),
            ("Resources | summarize dcount(name)", "'dcount'"),
            ("Resources | where name == 'unterminated", "not closed"),
        ] {
            let error = parse(query).expect_err(query);
            assert!(
                error.message.contains(fragment),
                "{query}: {}",
                error.message
            );
        }
    }
}
