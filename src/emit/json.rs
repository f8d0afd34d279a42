//! JSON for the emitters: every document is a typed [`Serialize`] model, written by this
//! module's serde [`Serializer`] ([`Writer`]) in `serde_json`'s forms: pretty with two-space
//! indentation and one trailing newline, or compact.
//!
//! One model per document, one serialiser for every model. The serialiser is the project's own,
//! not `serde_json`'s, for speed alone (`tools/bench/emit.rs`, docs/performance.md): it writes
//! into a `String` (the text comes from `&str`s, so it is never checked for UTF-8 again),
//! escapes strings 8 bytes at a time ([`escape_into`]), and pastes the fragments it wrote
//! itself ([`Raw`]) without parsing them again. Its tests parse its output back with
//! `serde_json` and compare it with `serde_json`'s own text of the same value.
//!
//! Each thread serialises into a reused buffer ([`to_pretty`], [`to_compact`]) and copies the
//! text into a `String` of exactly its length (the emitters write about 130,000 files for 10,000
//! apps, all kept until the build ends). Sizes that IAM limits count are measured on the same
//! serialisation: the pretty writer counts the whitespace it adds, so one pretty writing also
//! gives the compact length ([`to_pretty_and_compact_len`]).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde::{Serialize, Serializer};

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

/// The name under which an [`Embedded`] reaches the serializer: [`Writer`] writes the value's
/// compact text escaped as it goes (one writing); other serializers are handed the text.
const EMBED: &str = "$accessc::emit::json::Embedded";

thread_local! {
    /// Set by [`Writer`] when it takes an [`Embedded`] value to write escaped itself.
    static EMBED_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<T: Serialize> Serialize for Embedded<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(EMBED, &EmbeddedValue(&self.0))
    }
}

/// The value of an [`Embedded`]: itself when [`Writer`] asked for it, else its compact text.
struct EmbeddedValue<'a, T>(&'a T);

impl<T: Serialize> Serialize for EmbeddedValue<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if EMBED_HERE.with(|here| here.replace(false)) {
            return self.0.serialize(s);
        }
        with_buffer(&EMBEDDED, |buf| {
            write_compact(buf, self.0);
            s.serialize_str(buf)
        })
    }
}

/// A value already serialised by this module (pretty, at its depth in the document): a
/// fragment made on another thread, pasted as it is, not parsed again. Only [`Writer`] pastes
/// it (another serializer would write the text as a string).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Raw(String);

/// The name under which a [`Raw`] reaches the serializer.
const RAW: &str = "$accessc::emit::json::Raw";

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(RAW, self.0.as_str())
    }
}

/// A fragment written by [`to_pretty_at`], to paste into a document.
pub fn raw(text: String) -> Raw {
    Raw(text)
}

/// Serialising a model failed: a map key that is not a string, or a model's own error. The
/// emitters' models do not fail.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The JSON serializer: `serde_json`'s text (pretty with two spaces from a depth, or compact)
/// into a `String`.
pub struct Writer<'o> {
    out: &'o mut String,
    pretty: bool,
    depth: usize,
    /// The whitespace written so far (pretty): the pretty text less it is the compact text.
    spaces: usize,
    /// The next string is a [`Raw`]'s text.
    raw: bool,
    /// Writing the compact text of an [`Embedded`] value, escaped as the body of a string.
    twice: bool,
}

const INDENT: &str = "                                                                ";

impl<'o> Writer<'o> {
    /// A writer of pretty text `depth` levels deep.
    pub fn pretty(out: &'o mut String, depth: usize) -> Self {
        Writer {
            out,
            pretty: true,
            depth,
            spaces: 0,
            raw: false,
            twice: false,
        }
    }

    /// A writer of compact text.
    pub fn compact(out: &'o mut String) -> Self {
        Writer {
            out,
            pretty: false,
            depth: 0,
            spaces: 0,
            raw: false,
            twice: false,
        }
    }

    #[inline]
    fn newline_indent(&mut self) {
        let mut n = 2 * self.depth;
        self.spaces += 1 + n;
        self.out.push('\n');
        while n > INDENT.len() {
            self.out.push_str(INDENT);
            n -= INDENT.len();
        }
        self.out.push_str(&INDENT[..n]);
    }

    #[inline]
    fn begin(&mut self, open: char) -> Compound<'_, 'o> {
        self.depth += 1;
        self.out.push(open);
        Compound {
            w: self,
            first: true,
            variant: false,
        }
    }

    /// Open `{"variant": ` and then `open`.
    fn begin_variant(&mut self, variant: &str, open: char) -> Compound<'_, 'o> {
        self.depth += 1;
        self.out.push('{');
        self.item(true);
        self.string(variant);
        self.colon();
        let mut c = self.begin(open);
        c.variant = true;
        c
    }

    /// Before an element or key: the comma, then a new line (pretty).
    #[inline]
    fn item(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        if self.pretty {
            self.newline_indent();
        }
    }

    /// Between a key and its value.
    #[inline]
    fn colon(&mut self) {
        if self.pretty {
            self.spaces += 1;
            self.out.push_str(": ");
        } else {
            self.out.push(':');
        }
    }

    /// Close a container; `empty` when nothing was written in it.
    #[inline]
    fn end(&mut self, close: char, empty: bool) {
        self.depth = self.depth.saturating_sub(1);
        if !empty && self.pretty {
            self.newline_indent();
        }
        self.out.push(close);
    }

    /// A string, quoted and escaped (twice inside an [`Embedded`] value).
    #[inline]
    fn string(&mut self, s: &str) {
        if self.twice {
            escape_twice_into(self.out, s);
        } else {
            escape_into(self.out, s);
        }
    }

    /// An [`Embedded`] value: its compact text, escaped as it is written, as a string.
    fn embedded<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.twice {
            // Embedded in an embedded value: its text, written as a string escaped twice.
            return value.serialize(self);
        }
        let pretty = std::mem::replace(&mut self.pretty, false);
        self.twice = true;
        self.out.push('"');
        EMBED_HERE.with(|here| here.set(true));
        let result = value.serialize(&mut *self);
        EMBED_HERE.with(|here| here.set(false));
        self.out.push('"');
        self.twice = false;
        self.pretty = pretty;
        result
    }

    fn float(&mut self, v: f64) {
        // serde_json's text of a float (shortest round trip; `null` when not finite).
        self.out
            .push_str(&serde_json::to_string(&v).unwrap_or_else(|_| "null".into()));
    }
}

/// An object or an array being written.
pub struct Compound<'a, 'o> {
    w: &'a mut Writer<'o>,
    first: bool,
    /// Inside `{"variant": …}`: closing it closes that object too.
    variant: bool,
}

impl Compound<'_, '_> {
    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.w.item(self.first);
        self.first = false;
        value.serialize(&mut *self.w)
    }

    #[inline]
    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.w.item(self.first);
        self.first = false;
        key.serialize(MapKey(&mut *self.w))
    }

    #[inline]
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.w.colon();
        value.serialize(&mut *self.w)
    }

    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.w.item(self.first);
        self.first = false;
        self.w.string(key);
        self.value(value)
    }

    fn close(self, close: char) -> Result<(), Error> {
        self.w.end(close, self.first);
        if self.variant {
            self.w.end('}', false);
        }
        Ok(())
    }
}

/// The serde traits of sequences: elements between `[` and `]`.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl $trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(']')
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close('}')
    }
}

/// The serde traits of structs: fields between `{` and `}`.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl $trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.close('}')
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl<'a, 'o> Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        if v < 0 {
            self.out.push('-');
        }
        push_u64(self.out, v.unsigned_abs());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        push_u64(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // serde_json writes an f32 with f32's shortest digits.
        self.out
            .push_str(&serde_json::to_string(&v).unwrap_or_else(|_| "null".into()));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if std::mem::take(&mut self.raw) {
            self.out.push_str(v);
        } else {
            self.string(v);
        }
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            SerializeSeq::serialize_element(&mut seq, b)?;
        }
        SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == EMBED {
            return self.embedded(value);
        }
        self.raw = name == RAW;
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut map = self.serialize_map(Some(1))?;
        map.serialize_entry(variant, value)?;
        SerializeMap::end(map)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        Ok(self.begin('['))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        Ok(self.begin_variant(variant, '['))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        Ok(self.begin('{'))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'o>, Error> {
        Ok(self.begin('{'))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        Ok(self.begin_variant(variant, '{'))
    }
}

/// A map key: a string, or (as `serde_json` writes them) a number, a bool or a char quoted.
struct MapKey<'a, 'o>(&'a mut Writer<'o>);

impl MapKey<'_, '_> {
    fn quoted(self, text: &str) -> Result<(), Error> {
        let quote = if self.0.twice { "\\\"" } else { "\"" };
        self.0.out.push_str(quote);
        self.0.out.push_str(text);
        self.0.out.push_str(quote);
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".into())
}

/// A number as a key: its digits, quoted.
macro_rules! quoted_numbers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<(), Error> {
            self.quoted(&v.to_string())
        }
    )*};
}

impl Serializer for MapKey<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = serde::ser::Impossible<(), Error>;
    type SerializeTuple = serde::ser::Impossible<(), Error>;
    type SerializeTupleStruct = serde::ser::Impossible<(), Error>;
    type SerializeTupleVariant = serde::ser::Impossible<(), Error>;
    type SerializeMap = serde::ser::Impossible<(), Error>;
    type SerializeStruct = serde::ser::Impossible<(), Error>;
    type SerializeStructVariant = serde::ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.string(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.quoted(if v { "true" } else { "false" })
    }
    quoted_numbers!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

/// Decimal digits of a number.
fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// A JSON string, quoted and escaped exactly as `serde_json` does: `"` and `\`, the control
/// characters (`\b \t \n \f \r`, others as `\u00XX` in lower-case hex); nothing else (not DEL,
/// not non-ASCII).
#[inline]
pub fn escape_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if any_escaped(s.as_bytes()) {
        escape_each(out, s);
    } else {
        out.push_str(s);
    }
    out.push('"');
}

/// A JSON string written as the body of another JSON string: `s` quoted and escaped, then
/// escaped again (`a"b` becomes `\"a\\\"b\"`).
fn escape_twice_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 4);
    out.push_str(r#"\""#);
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = next_escaped(bytes, start);
        out.push_str(&s[start..i]);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match b {
            // The escape `\X` escaped again: `\\`, then `X` escaped when it is `"` or `\`.
            b'"' => out.push_str(r#"\\\""#),
            b'\\' => out.push_str(r"\\\\"),
            _ => {
                out.push('\\');
                push_escape(out, b);
            }
        }
        start = i + 1;
    }
    out.push_str(r#"\""#);
}

/// Whether any of the 8 bytes of `word` is escaped (a control character, `"` or `\\`).
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    // A byte below 0x20 (exact for bytes below 0x80; the others have their high bit set).
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    control
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// The index of the first byte at or after `from` that is escaped (`bytes.len()` if none).
#[inline]
fn next_escaped(bytes: &[u8], mut from: usize) -> usize {
    while let Some(chunk) = bytes.get(from..from + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        from += 8;
    }
    while let Some(&b) = bytes.get(from) {
        if ESCAPE[usize::from(b)] != 0 {
            return from;
        }
        from += 1;
    }
    from
}

/// `s` into `out`, each escaped byte escaped and the runs between them copied.
fn escape_each(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = next_escaped(bytes, start);
        // Escaped bytes are ASCII: `i` is a character boundary.
        out.push_str(&s[start..i]);
        let Some(&b) = bytes.get(i) else {
            return;
        };
        push_escape(out, b);
        start = i + 1;
    }
}

/// For each byte: 0 when it is written as it is, else the letter of its escape (`u` for
/// `\u00XX`), as serde_json's table.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any byte of `bytes` is escaped: 8 bytes at a time, the last 8 read again when the
/// length is not a multiple of 8 (most strings need no escape, and are copied whole).
#[inline]
fn any_escaped(bytes: &[u8]) -> bool {
    let word = |chunk: &[u8; 8]| word_needs_escape(u64::from_le_bytes(*chunk));
    match bytes.last_chunk::<8>() {
        Some(last) => {
            bytes
                .chunks_exact(8)
                .any(|c| c.first_chunk().is_some_and(word))
                || word(last)
        }
        None => bytes.iter().any(|&b| ESCAPE[usize::from(b)] != 0),
    }
}

/// The escape of byte `b` (one that [`ESCAPE`] escapes): `\X`, or `\u00XX`.
fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let e = ESCAPE[usize::from(b)];
    out.push('\\');
    out.push(char::from(e));
    if e == b'u' {
        out.push_str("00");
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// The length of a string's JSON text (quoted and escaped), without writing it.
pub fn escaped_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut len = s.len() + 2;
    let mut i = next_escaped(bytes, 0);
    while let Some(&b) = bytes.get(i) {
        len += if ESCAPE[usize::from(b)] == b'u' { 5 } else { 1 };
        i = next_escaped(bytes, i + 1);
    }
    len
}

thread_local! {
    /// The text of the document being written, reused from one document to the next.
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
    /// The compact text of an [`Embedded`] value, inside the document being written.
    static EMBEDDED: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Run `f` on the thread's reused buffer `cell`, cleared (on a buffer of its own when that one
/// is in use).
fn with_buffer<R>(
    cell: &'static std::thread::LocalKey<RefCell<String>>,
    f: impl FnOnce(&mut String) -> R,
) -> R {
    cell.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let result = f(&mut buf);
            // Do not keep a very large buffer (a Terraform root) for the rest of the thread.
            if buf.capacity() > 1 << 20 {
                *buf = String::new();
            }
            result
        }
        Err(_) => f(&mut String::new()),
    })
}

/// The compact text of `value` into `buf`. Serialising the emitters' models cannot fail (their
/// maps have string keys); should one, the text stops where it failed.
fn write_compact<T: Serialize + ?Sized>(buf: &mut String, value: &T) {
    let _ = value.serialize(&mut Writer::compact(buf));
}

/// The pretty text of `value` at `depth` into `buf`; returns the whitespace it added.
fn write_pretty<T: Serialize + ?Sized>(buf: &mut String, value: &T, depth: usize) -> usize {
    let mut w = Writer::pretty(buf, depth);
    let _ = value.serialize(&mut w);
    w.spaces
}

/// Pretty JSON with a trailing newline, serialised into the thread's reused buffer and copied
/// into a `String` of exactly its length.
pub fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_pretty(buf, value, 0);
        buf.push('\n');
        buf.as_str().to_owned()
    })
}

/// Pretty JSON with a trailing newline, like [`to_pretty`]'s, for a large document (the
/// manifest) whose size is known roughly: serialised into a buffer of `capacity` bytes that
/// becomes the `String` (no copy, and no doubling when `capacity` is a little over).
pub fn to_pretty_sized<T: Serialize + ?Sized>(value: &T, capacity: usize) -> String {
    let mut buf = String::with_capacity(capacity);
    write_pretty(&mut buf, value, 0);
    buf.push('\n');
    if buf.capacity() > buf.len() + buf.len() / 4 {
        buf.shrink_to_fit();
    }
    buf
}

/// Pretty JSON like [`to_pretty`]'s, and the length of the same document's compact text (the
/// pretty text without the whitespace it adds), from one serialisation.
pub fn to_pretty_and_compact_len<T: Serialize + ?Sized>(value: &T) -> (String, usize) {
    with_buffer(&SCRATCH, |buf| {
        let spaces = write_pretty(buf, value, 0);
        let len = buf.len() - spaces;
        buf.push('\n');
        (buf.as_str().to_owned(), len)
    })
}

/// A pretty value `depth` levels deep (no final newline), to paste into a document with [`raw`].
pub fn to_pretty_at<T: Serialize + ?Sized>(value: &T, depth: usize) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_pretty(buf, value, depth);
        buf.as_str().to_owned()
    })
}

/// Compact JSON, serialised into the thread's reused buffer.
pub fn to_compact<T: Serialize + ?Sized>(value: &T) -> String {
    with_buffer(&SCRATCH, |buf| {
        write_compact(buf, value);
        buf.as_str().to_owned()
    })
}

/// The length of a value's compact text (serialised into the thread's reused buffer).
pub fn compact_len<T: Serialize + ?Sized>(value: &T) -> usize {
    with_buffer(&SCRATCH, |buf| {
        write_compact(buf, value);
        buf.len()
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

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

    /// The writer writes `serde_json`'s own pretty text (two spaces), and counts exactly
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
            let inner = BTreeMap::from([("b", raw(to_pretty_at(d, 2)))]);
            let pasted = to_pretty(&BTreeMap::from([("a", inner)]));
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
            // The same text as serde_json's string of serde_json's compact text, in both forms.
            let want = serde_json::json!({ "Document": serde_json::to_string(&doc).unwrap() });
            assert_eq!(got, serde_json::to_string_pretty(&want).unwrap() + "\n");
            let compact = to_compact(&BTreeMap::from([("Document", Embedded(&doc))]));
            assert_eq!(compact, serde_json::to_string(&want).unwrap());
            // Embedded in an embedded value, with keys that need escaping.
            let keyed = BTreeMap::from([(s.clone(), Embedded(BTreeMap::from([(s.clone(), 1)])))]);
            let twice = to_pretty(&BTreeMap::from([("D", Embedded(&keyed))]));
            let back: serde_json::Value = serde_json::from_str(&twice).unwrap();
            let outer: serde_json::Value =
                serde_json::from_str(back["D"].as_str().unwrap()).unwrap();
            let inner: serde_json::Value =
                serde_json::from_str(outer[s.as_str()].as_str().unwrap()).unwrap();
            assert_eq!(inner, serde_json::json!({ s.clone(): 1 }));
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

    /// A model with every shape the serializer writes: structs, maps with string and number
    /// keys, options, numbers, bools, enums in serde's four forms, tuples, and nesting.
    #[derive(Serialize)]
    struct Model {
        name: String,
        #[serde(rename = "Key \"q\"")]
        list: Vec<String>,
        empty: Vec<String>,
        map: BTreeMap<String, Vec<String>>,
        numbers: BTreeMap<i64, u64>,
        none: Option<String>,
        some: Option<bool>,
        float: f64,
        kinds: Vec<Kind>,
        pair: (String, i32),
        nested: Vec<BTreeMap<String, String>>,
        chars: BTreeMap<char, char>,
        unit: (),
    }

    #[derive(Serialize)]
    enum Kind {
        Unit,
        Newtype(String),
        Tuple(String, u8),
        Struct { a: String, b: Vec<String> },
    }

    fn model(strings: &[String], n: i64) -> Model {
        let s = |i: usize| {
            strings
                .get(i % strings.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        Model {
            name: s(0),
            list: strings.to_vec(),
            empty: Vec::new(),
            map: strings
                .iter()
                .map(|k| (k.clone(), vec![s(1), s(2)]))
                .collect(),
            numbers: BTreeMap::from([(n, n.unsigned_abs()), (-1, 0), (i64::MIN, u64::MAX)]),
            none: None,
            some: Some(n % 2 == 0),
            // Exact in few digits: serde_json reads it back to the same value.
            float: f64::from((n % 1000) as i32) / 8.0,
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(s(3)),
                Kind::Tuple(s(4), 7),
                Kind::Struct {
                    a: s(5),
                    b: strings.to_vec(),
                },
            ],
            pair: (s(6), -3),
            nested: vec![
                BTreeMap::new(),
                strings.iter().map(|k| (k.clone(), k.clone())).collect(),
            ],
            chars: s(7).chars().map(|c| (c, c)).collect(),
            unit: (),
        }
    }

    /// The serializer's text of `value` is `serde_json`'s, pretty and compact, parses back to
    /// the same value, and the whitespace counted is what the compact text lacks.
    fn assert_serde_json_text<T: Serialize>(value: &T) {
        let want_pretty = serde_json::to_string_pretty(value).unwrap() + "\n";
        let want_compact = serde_json::to_string(value).unwrap();
        let pretty = to_pretty(value);
        let compact = to_compact(value);
        let want: serde_json::Value = serde_json::to_value(value).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
            want
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&compact).unwrap(),
            want
        );
        assert_eq!(pretty, want_pretty);
        assert_eq!(compact, want_compact);
        assert_eq!(
            to_pretty_and_compact_len(value),
            (want_pretty, want_compact.len())
        );
        assert_eq!(compact_len(value), want_compact.len());
    }

    /// One character of every escape class: plain ASCII, `"` and `\\`, the short escapes, the
    /// other control characters, DEL, and non-ASCII of two, three and four bytes.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range(' ', '~'),
            Just('"'),
            Just('\\'),
            prop::sample::select(vec!['\u{8}', '\t', '\n', '\u{c}', '\r']),
            proptest::char::range('\0', '\u{1f}'),
            Just('\u{7f}'),
            proptest::char::range('\u{80}', '\u{7ff}'),
            proptest::char::range('\u{800}', '\u{ffff}'),
            proptest::char::range('\u{10000}', '\u{10ffff}'),
        ]
    }

    fn any_string() -> impl Strategy<Value = String> {
        prop::collection::vec(any_char(), 0..40).prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random strings of every escape class, alone and in a model of every shape.
        #[test]
        fn the_serializer_writes_serde_json_text(
            strings in prop::collection::vec(any_string(), 0..6),
            n in any::<i64>(),
        ) {
            for s in &strings {
                assert_serde_json_text(s);
                prop_assert_eq!(escaped_len(s), serde_json::to_string(s).unwrap().len());
            }
            assert_serde_json_text(&model(&strings, n));
        }
    }

    #[test]
    fn models_of_tricky_strings_are_serde_json_text() {
        let t = tricky();
        assert_serde_json_text(&model(&t, 42));
        assert_serde_json_text(&model(&[], i64::MAX));
        for s in &t {
            assert_serde_json_text(&model(std::slice::from_ref(s), -5));
        }
        // Long strings: escapes in the 8-byte words, across them and in the tail.
        let long: String = t.concat().repeat(3);
        assert_serde_json_text(&long);
        assert_serde_json_text(&model(&[long], 0));
    }

    #[test]
    fn deep_documents_indent_past_the_indent_constant() {
        let mut v = serde_json::json!("x");
        for _ in 0..40 {
            v = serde_json::json!({ "k": [v] });
        }
        assert_serde_json_text(&v);
    }

    #[test]
    fn keys_that_are_not_strings_fail() {
        let mut out = String::new();
        let map = BTreeMap::from([(vec![1], 1)]);
        assert!(map.serialize(&mut Writer::compact(&mut out)).is_err());
    }
}
