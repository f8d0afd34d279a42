//! JSON for the emitters: every document is a typed [`Serialize`] model, written by `serde_json`
//! with two-space indentation and one trailing newline.
//!
//! Speed comes from where the text goes, not from a second writer: each thread serialises into
//! a reused buffer ([`to_pretty`], [`to_compact`]) and copies the text into a `String` of exactly
//! its length (the emitters write about 130,000 files for 10,000 apps, all kept until the build
//! ends). Sizes that IAM limits count are measured on the same serialisation: [`Pretty`] counts
//! the whitespace it adds, so one pretty writing also gives the compact length
//! ([`to_pretty_and_compact_len`]), and [`compact_len`] serialises into a counter.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// Pretty JSON with a trailing newline.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    to_pretty(value)
}

/// Compact JSON (for policy documents embedded as strings in CLI inputs).
pub fn compact<T: Serialize + ?Sized>(value: &T) -> String {
    to_compact(value)
}

/// A string, or a list when there are several: IAM's usual form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OneOrMany<'a> {
    /// One value.
    One(Cow<'a, str>),
    /// Several values, in their order.
    Many(Vec<String>),
    /// The values of a set: one string when there is one, else a list.
    Set(&'a BTreeSet<String>),
}

impl OneOrMany<'_> {
    /// From sorted values.
    pub fn of<I: IntoIterator<Item = String>>(values: I) -> OneOrMany<'static> {
        let mut v: Vec<String> = values.into_iter().collect();
        if v.len() == 1 {
            OneOrMany::One(Cow::Owned(v.remove(0)))
        } else {
            OneOrMany::Many(v)
        }
    }

    /// The same values, owning their text.
    pub fn into_owned(self) -> OneOrMany<'static> {
        match self {
            OneOrMany::One(s) => OneOrMany::One(Cow::Owned(s.into_owned())),
            OneOrMany::Many(v) => OneOrMany::Many(v),
            OneOrMany::Set(set) => OneOrMany::of(set.iter().cloned()),
        }
    }
}

impl Serialize for OneOrMany<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OneOrMany::One(v) => s.serialize_str(v),
            OneOrMany::Many(v) => v.serialize(s),
            OneOrMany::Set(set) => values(set, s),
        }
    }
}

/// A set of strings as IAM writes it: the string when there is one, else the list.
pub fn values<S: Serializer>(set: &BTreeSet<String>, s: S) -> Result<S::Ok, S::Error> {
    match set.first() {
        Some(one) if set.len() == 1 => s.serialize_str(one),
        _ => {
            let mut seq = s.serialize_seq(Some(set.len()))?;
            for v in set {
                seq.serialize_element(v)?;
            }
            seq.end()
        }
    }
}

/// A map whose values are sets of strings, each written by [`values`].
pub(crate) struct ValuesMap<'a, K>(pub &'a std::collections::BTreeMap<K, BTreeSet<String>>);

impl<K: Serialize> Serialize for ValuesMap<'_, K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct V<'a>(&'a BTreeSet<String>);
        impl Serialize for V<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                values(self.0, s)
            }
        }
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, &V(v))?;
        }
        map.end()
    }
}

/// A value written as a JSON string holding its compact text: what the AWS CLI inputs embed
/// (`"PolicyDocument": "{\"Version\":…}"`) and Terraform's `policy` arguments.
#[derive(Clone, Debug)]
pub struct Embedded<T>(pub T);

impl<T: Serialize> Serialize for Embedded<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        with_buffer(&EMBEDDED, |buf| {
            write_compact(buf, &self.0);
            s.serialize_str(std::str::from_utf8(buf).unwrap_or_default())
        })
    }
}

/// A value already serialised (pretty, at its depth in the document): a fragment made on
/// another thread, pasted as it is.
pub fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text).unwrap_or_else(|_| Box::default())
}

/// `serde_json`'s pretty formatter (two spaces), starting at a depth, counting the whitespace
/// it adds: the pretty text less that whitespace is the compact text of the same value.
pub struct Pretty<'c> {
    depth: usize,
    has_value: bool,
    spaces: &'c mut usize,
}

const INDENT: &[u8] = b"                                                                ";

impl Pretty<'_> {
    fn newline_indent<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        let mut n = 2 * self.depth;
        *self.spaces += 1 + n;
        while n > INDENT.len() {
            w.write_all(INDENT)?;
            n -= INDENT.len();
        }
        w.write_all(&INDENT[..n])
    }

    fn begin<W: ?Sized + io::Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + io::Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.newline_indent(w)?;
        }
        w.write_all(close)
    }

    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline_indent(w)
    }
}

impl serde_json::ser::Formatter for Pretty<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        *self.spaces += 1;
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

thread_local! {
    /// The text of the document being written, reused from one document to the next.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The compact text of an [`Embedded`] value, inside the document being written.
    static EMBEDDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Run `f` on the thread's reused buffer `cell`, cleared (on a buffer of its own when that one
/// is in use).
fn with_buffer<R>(
    cell: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    cell.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let result = f(&mut buf);
            // Do not keep a very large buffer (a Terraform root) for the rest of the thread.
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
            result
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// The compact text of `value` into `buf`. Serialising the emitters' models cannot fail (their
/// maps have string keys); should one, the text stops where it failed.
fn write_compact<T: Serialize + ?Sized>(buf: &mut Vec<u8>, value: &T) {
    let _ = value.serialize(&mut serde_json::Serializer::new(buf));
}

/// The pretty text of `value` at `depth` into `buf`; returns the whitespace it added.
fn write_pretty<T: Serialize + ?Sized>(buf: &mut Vec<u8>, value: &T, depth: usize) -> usize {
    let mut spaces = 0;
    let formatter = Pretty {
        depth,
        has_value: false,
        spaces: &mut spaces,
    };
    let _ = value.serialize(&mut serde_json::Serializer::with_formatter(buf, formatter));
    spaces
}

/// The text of a buffer (serde_json writes UTF-8 only: the check is the fast one of ASCII).
fn text(buf: &[u8]) -> String {
    std::str::from_utf8(buf)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Pretty JSON with a trailing newline, serialised into the thread's reused buffer and copied
/// into a `String` of exactly its length.
pub fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_pretty(buf, value, 0);
        buf.push(b'\n');
        text(buf)
    })
}

/// Pretty JSON with a trailing newline, like [`to_pretty`]'s, for a large document (the
/// manifest) whose size is known roughly: serialised into a buffer of `capacity` bytes that
/// becomes the `String` (no copy, and no doubling when `capacity` is a little over).
pub fn to_pretty_sized<T: Serialize + ?Sized>(value: &T, capacity: usize) -> String {
    let mut buf = Vec::with_capacity(capacity);
    write_pretty(&mut buf, value, 0);
    buf.push(b'\n');
    if buf.capacity() > buf.len() + buf.len() / 4 {
        buf.shrink_to_fit();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// Pretty JSON like [`to_pretty`]'s, and the length of the same document's compact text (the
/// pretty text without the whitespace it adds), from one serialisation.
pub fn to_pretty_and_compact_len<T: Serialize + ?Sized>(value: &T) -> (String, usize) {
    with_buffer(&SCRATCH, |buf| {
        let spaces = write_pretty(buf, value, 0);
        let len = buf.len() - spaces;
        buf.push(b'\n');
        (text(buf), len)
    })
}

/// A pretty value `depth` levels deep (no final newline), to paste into a document with [`raw`].
pub fn to_pretty_at<T: Serialize + ?Sized>(value: &T, depth: usize) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_pretty(buf, value, depth);
        text(buf)
    })
}

/// Compact JSON, serialised into the thread's reused buffer.
pub fn to_compact<T: Serialize + ?Sized>(value: &T) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_compact(buf, value);
        text(buf)
    })
}

/// The length of a value's compact text, serialised into a counter (no text is kept).
pub fn compact_len<T: Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = value.serialize(&mut serde_json::Serializer::new(&mut count));
    count.0
}

/// The length of a string's JSON text (quoted and escaped).
pub fn escaped_len(s: &str) -> usize {
    compact_len(s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Strings that need escaping, or look as if they might.
    pub(crate) fn tricky() -> Vec<String> {
        let mut v: Vec<String> = [
            "",
            "plain",
            "quote \" and backslash \\ and slash /",
            "${aws:PrincipalTag/x} $${y} %{z} %%{w} $ % { }",
            "tab\tnewline\ncr\rbs\x08ff\x0c",
            "nul\0 unit\x1f del\x7f",
            "é ü ß — 日本語 🚀 \u{2028}\u{2029} \u{feff}",
            "\\u0000 \\\"",
            "\"",
            "\\",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push((0u8..=0x7f).map(char::from).collect());
        v.push(('\u{80}'..='\u{2ff}').collect());
        v
    }

    /// The formatter writes `serde_json`'s own pretty text (two spaces), and counts exactly
    /// the whitespace that the compact text does not have.
    #[test]
    fn pretty_is_serde_json_pretty_and_counts_its_whitespace() {
        let mut docs = vec![
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": [], "b": {}, "c": [[], {}], "d": [1, true, false, "x"]}),
            serde_json::json!({"k\"": {"x": {"y": ["a", "b"]}}, "z": [{"q": "r"}, {}]}),
            serde_json::json!({"s p": "a b\n c: d", "deep": {"x": {"y": {"z": [" ", ", "]}}}}),
        ];
        docs.extend(
            tricky()
                .into_iter()
                .map(|s| serde_json::json!({ s.clone(): [s] })),
        );
        for d in &docs {
            let want = serde_json::to_string_pretty(d).unwrap() + "\n";
            let compact = serde_json::to_string(d).unwrap();
            assert_eq!(to_pretty(d), want);
            assert_eq!(to_pretty_and_compact_len(d), (want, compact.len()));
            assert_eq!(to_compact(d), compact);
            assert_eq!(compact_len(d), compact.len());
            // Nested: the inner text written at its depth, pasted raw.
            let outer = serde_json::json!({"a": {"b": d}});
            let pasted = to_pretty(&serde_json::json!({"a": {"b": raw(to_pretty_at(d, 2))}}));
            assert_eq!(pasted, serde_json::to_string_pretty(&outer).unwrap() + "\n");
        }
    }

    #[test]
    fn embedded_documents_are_their_compact_text_as_a_string() {
        for s in tricky() {
            let doc = serde_json::json!({ "k": [s.clone(), s.clone()] });
            let got = to_pretty(&serde_json::json!({ "Document": Embedded(&doc) }));
            let back: serde_json::Value = serde_json::from_str(&got).unwrap();
            let inner = back["Document"].as_str().unwrap();
            assert_eq!(inner, serde_json::to_string(&doc).unwrap());
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(inner).unwrap(),
                doc
            );
        }
    }

    #[test]
    fn one_or_many_is_a_string_or_a_list() {
        let set: BTreeSet<String> = ["b".to_string(), "a\"".to_string()].into();
        let one: BTreeSet<String> = ["x".to_string()].into();
        assert_eq!(to_compact(&OneOrMany::Set(&set)), r#"["a\"","b"]"#);
        assert_eq!(to_compact(&OneOrMany::Set(&one)), r#""x""#);
        assert_eq!(to_compact(&OneOrMany::Set(&BTreeSet::new())), "[]");
        assert_eq!(to_compact(&OneOrMany::of(["x".to_string()])), r#""x""#);
        assert_eq!(
            OneOrMany::Set(&set).into_owned(),
            OneOrMany::of(set.iter().cloned())
        );
        for s in tricky() {
            assert_eq!(escaped_len(&s), serde_json::to_string(&s).unwrap().len());
        }
    }
}
