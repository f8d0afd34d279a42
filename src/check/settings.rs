//! Typed access to a declaration's `key = value` settings.
//!
//! A [`Settings`] is built once per declaration with the keys that declaration knows; unknown
//! keys (E107, with "did you mean") and repeated keys (E117) are reported at construction.
//! Getters report values of the wrong form (E109).

use crate::ast::{ListItem, Setting, Span, Spanned, Value};
use crate::diagnostics::{Code, Diag};

/// The settings of one declaration.
pub struct Settings<'a> {
    items: Vec<&'a Setting>,
    what: &'static str,
}

impl<'a> Settings<'a> {
    /// Collect settings, reporting unknown and repeated keys.
    pub fn new(
        settings: &'a [Setting],
        known: &[&'static str],
        what: &'static str,
        diags: &mut Vec<Diag>,
    ) -> Settings<'a> {
        let mut items: Vec<&'a Setting> = Vec::new();
        for s in settings {
            let key = s.key.node.as_str();
            if !known.contains(&key) {
                let suggestion = crate::suggest::closest(key, known.iter().copied());
                diags.push(
                    Diag::new(Code::E107, format!("`{what}` has no setting `{key}`"))
                        .at(s.key.span)
                        .label("unknown setting")
                        .help(match suggestion {
                            Some(sug) => format!("did you mean `{sug}`?"),
                            None => format!("`{what}` knows {}", list_words(known)),
                        }),
                );
                continue;
            }
            if let Some(first) = items.iter().find(|i| i.key.node == key) {
                diags.push(
                    Diag::new(Code::E117, format!("`{key}` is set twice"))
                        .at(s.key.span)
                        .label("set again here")
                        .related(first.key.span, "first set here")
                        .help("remove one of the two settings"),
                );
                continue;
            }
            items.push(s);
        }
        Settings { items, what }
    }

    fn get(&self, key: &str) -> Option<&'a Setting> {
        self.items.iter().copied().find(|s| s.key.node == key)
    }

    /// Whether the key is set.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The span of a setting.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.get(key).map(|s| s.span)
    }

    fn wrong(&self, s: &Setting, expected: &str, diags: &mut Vec<Diag>) {
        diags.push(
            Diag::new(
                Code::E109,
                format!(
                    "`{}` must be {expected}, found {}",
                    s.key.node,
                    s.value.node.describe()
                ),
            )
            .at(s.value.span)
            .label(format!("expected {expected}"))
            .help(format!("write `{} = {}`", s.key.node, example(expected))),
        );
    }

    /// A string value (`"…"`).
    pub fn string(&self, key: &str, diags: &mut Vec<Diag>) -> Option<Spanned<String>> {
        let s = self.get(key)?;
        match &s.value.node {
            Value::Str(v) => Some(Spanned::new(v.clone(), s.value.span)),
            _ => {
                self.wrong(s, "a string", diags);
                None
            }
        }
    }

    /// A word or a string (for names and enumerations).
    pub fn word_or_string(&self, key: &str, diags: &mut Vec<Diag>) -> Option<Spanned<String>> {
        let s = self.get(key)?;
        match &s.value.node {
            Value::Str(v) | Value::Word(v) => Some(Spanned::new(v.clone(), s.value.span)),
            _ => {
                self.wrong(s, "a name", diags);
                None
            }
        }
    }

    /// One of the allowed words.
    pub fn choice(
        &self,
        key: &str,
        allowed: &[&'static str],
        diags: &mut Vec<Diag>,
    ) -> Option<Spanned<&'static str>> {
        let s = self.get(key)?;
        let text = match &s.value.node {
            Value::Word(v) | Value::Str(v) => v.as_str(),
            _ => {
                self.wrong(s, &format!("one of {}", list_words(allowed)), diags);
                return None;
            }
        };
        if let Some(a) = allowed.iter().find(|a| **a == text) {
            return Some(Spanned::new(*a, s.value.span));
        }
        let suggestion = crate::suggest::closest(text, allowed.iter().copied());
        diags.push(
            Diag::new(
                Code::E109,
                format!(
                    "`{text}` is not a valid `{}` of `{}`",
                    s.key.node, self.what
                ),
            )
            .at(s.value.span)
            .label("not allowed here")
            .help(match suggestion {
                Some(sug) => format!("did you mean `{sug}`? (allowed: {})", list_words(allowed)),
                None => format!("allowed: {}", list_words(allowed)),
            }),
        );
        None
    }

    /// `true` or `false`.
    pub fn boolean(&self, key: &str, diags: &mut Vec<Diag>) -> Option<Spanned<bool>> {
        let s = self.get(key)?;
        match &s.value.node {
            Value::Word(w) if w == "true" => Some(Spanned::new(true, s.value.span)),
            Value::Word(w) if w == "false" => Some(Spanned::new(false, s.value.span)),
            _ => {
                self.wrong(s, "`true` or `false`", diags);
                None
            }
        }
    }

    /// A list `[a, "b"]` (a single string or word is accepted as a list of one).
    pub fn list(&self, key: &str, diags: &mut Vec<Diag>) -> Option<Vec<Spanned<String>>> {
        let s = self.get(key)?;
        match &s.value.node {
            Value::List(items) => Some(
                items
                    .iter()
                    .map(|i| Spanned::new(i.node.text().to_string(), i.span))
                    .collect(),
            ),
            Value::Str(v) | Value::Word(v) => Some(vec![Spanned::new(v.clone(), s.value.span)]),
            Value::WordList(..) => {
                self.wrong(s, "a list", diags);
                None
            }
        }
    }

    /// The raw value, for settings with several forms.
    pub fn raw(&self, key: &str) -> Option<&'a Spanned<Value>> {
        self.get(key).map(|s| &s.value)
    }
}

/// Items of a `word [list]` value.
pub fn list_items(items: &[Spanned<ListItem>]) -> Vec<Spanned<String>> {
    items
        .iter()
        .map(|i| Spanned::new(i.node.text().to_string(), i.span))
        .collect()
}

/// `a`, `b` or `c`
pub fn list_words(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn example(expected: &str) -> &'static str {
    match expected {
        "a string" => "\"…\"",
        "a name" => "NAME",
        "a list" => "[…]",
        "`true` or `false`" => "true",
        _ => "…",
    }
}
