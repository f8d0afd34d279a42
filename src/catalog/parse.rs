//! Reading the catalog text: the header and directory at start-up, one service block on demand.
//!
//! The format (written by `tools/catalog/refresh.py`, described in `tools/catalog/README.md`)
//! is line-oriented, tab-separated, lists inside a field separated by single spaces:
//!
//! ```text
//! # comment
//! M <key> <value>                       metadata: format, source, version, date, ...
//! G <key> <type>                        global condition key
//! X <arn service field> <prefixes>      IAM services whose ARN patterns have that service field
//! D <prefix> <bytes>                    directory: byte length of each service block, in order
//! S <prefix> <name> [<name> ...]        first line of a service block (blocks follow the header);
//!                                       a prefix shared by several services names them all
//! K <key> <type>                        service condition key
//! R <name> <arn patterns> <keys>        resource type
//! A <name> <levels> <override> <keys> <dependent actions>
//! r <resource type> <0|1 required> <keys>   (action, resource type) pair of the preceding A
//! ```
//!
//! Nothing here panics: a malformed header line is skipped, a service block that does not
//! parse makes that service unknown. A prefix whose block appears more than once (a catalog
//! written one block per service of a shared prefix) is the union of its blocks
//! (`merge::unite`), never only one of them.

use std::sync::OnceLock;

use super::arn::Pattern;
use super::merge::unite;

use super::model::{
    cmp_ci, AccessLevel, Action, ActionResource, ConditionKey, LevelSet, ResourceType, Service,
};

/// One entry of the directory: a service block located but not yet parsed.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) prefix: &'static str,
    /// The whole catalog text.
    pub(crate) text: &'static str,
    /// The block's byte range in `text`, from the directory; checked only when parsed, so that
    /// start-up touches no page of the blocks (the embedded text is paged in on demand).
    pub(crate) start: usize,
    pub(crate) len: usize,
    /// Further blocks of the same prefix (start, length), in file order: united with the
    /// first when parsed.
    pub(crate) more: Vec<(usize, usize)>,
    pub(crate) parsed: OnceLock<Option<Service>>,
}

impl Slot {
    /// The block text at (start, len), `None` when that is not a valid block of the prefix.
    fn block(&self, start: usize, len: usize) -> Option<&'static str> {
        let end = start.checked_add(len)?;
        let block = self.text.get(start..end)?;
        let valid = block
            .strip_prefix("S\t")
            .and_then(|r| r.strip_prefix(self.prefix))
            .is_some_and(|r| r.starts_with('\t'))
            && block.ends_with('\n');
        valid.then_some(block)
    }

    /// The parsed service, parsing the block(s) on first use; `None` if any block of the
    /// prefix does not parse.
    pub(crate) fn service(&self) -> Option<&Service> {
        self.parsed
            .get_or_init(|| {
                let parse = |(start, len)| {
                    self.block(start, len)
                        .and_then(|b| parse_service(self.prefix, b))
                };
                let mut service = parse((self.start, self.len))?;
                for &range in &self.more {
                    unite(&mut service, parse(range)?);
                }
                Some(service)
            })
            .as_ref()
    }
}

/// What [`read_header`] finds: everything but the service blocks' contents.
#[derive(Debug, Default)]
pub(crate) struct Header {
    pub(crate) meta: Vec<(&'static str, &'static str)>,
    pub(crate) globals: Vec<ConditionKey>,
    /// (ARN service field, IAM prefixes), sorted by field; field `*` = patterns whose service
    /// field is a variable.
    pub(crate) arn_index: Vec<(&'static str, Vec<&'static str>)>,
    /// Sorted by prefix.
    pub(crate) slots: Vec<Slot>,
}

/// Splits `text` into lines, each with the byte offset where it starts.
fn lines_from(text: &'static str, start: usize) -> impl Iterator<Item = (usize, &'static str)> {
    let mut pos = start;
    std::iter::from_fn(move || {
        let rest = text.get(pos..)?;
        if rest.is_empty() {
            return None;
        }
        let len = rest.find('\n').unwrap_or(rest.len());
        let line = rest.get(..len)?;
        let at = pos;
        pos += len + 1;
        Some((at, line))
    })
}

/// Splits a space-separated list field.
fn words(field: &'static str) -> Vec<&'static str> {
    field.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Reads the header and the directory; touches only the start of the text (the blocks are
/// located by the `D` lengths, not scanned).
pub(crate) fn read_header(text: &'static str) -> Header {
    let mut header = Header::default();
    let mut lengths: Vec<(&'static str, usize)> = Vec::new();
    let mut body_start = text.len();
    for (at, line) in lines_from(text, 0) {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or_default();
        let a = fields.next();
        let b = fields.next();
        match (kind, a, b) {
            ("S", _, _) => {
                body_start = at;
                break;
            }
            ("M", Some(key), Some(value)) => header.meta.push((key, value)),
            ("G", Some(name), value_type) => header.globals.push(ConditionKey {
                name,
                value_type: value_type.unwrap_or_default(),
            }),
            ("X", Some(field), Some(prefixes)) => header.arn_index.push((field, words(prefixes))),
            ("D", Some(prefix), Some(len)) => {
                if let Ok(len) = len.parse::<usize>() {
                    lengths.push((prefix, len));
                }
            }
            _ => {} // comments, blank lines, unknown or malformed lines
        }
    }
    let mut offset = body_start;
    for (prefix, len) in lengths {
        header.slots.push(Slot {
            prefix,
            text,
            start: offset,
            len,
            more: Vec::new(),
            parsed: OnceLock::new(),
        });
        offset = offset.saturating_add(len);
    }
    // Stable: the blocks of one prefix stay in file order, the first is the primary.
    header.slots.sort_by(|x, y| cmp_ci(x.prefix, y.prefix));
    let mut slots: Vec<Slot> = Vec::with_capacity(header.slots.len());
    for slot in header.slots {
        match slots.last_mut() {
            Some(last) if last.prefix.eq_ignore_ascii_case(slot.prefix) => {
                last.more.push((slot.start, slot.len));
            }
            _ => slots.push(slot),
        }
    }
    header.slots = slots;
    header.arn_index.sort_by(|x, y| x.0.cmp(y.0));
    header.globals.sort_by(|x, y| cmp_ci(x.name, y.name));
    header
}

/// Parses one service block; `None` if it is malformed.
pub(crate) fn parse_service(prefix: &'static str, block: &'static str) -> Option<Service> {
    let mut lines = block.lines();
    let first = lines.next()?;
    let mut head = first.split('\t');
    if head.next()? != "S" || head.next()? != prefix {
        return None;
    }
    let mut service = Service {
        prefix,
        name: head.next().unwrap_or(prefix),
        other_names: head.filter(|n| !n.is_empty()).collect(),
        condition_keys: Vec::new(),
        resource_types: Vec::new(),
        actions: Vec::new(),
    };
    for line in lines {
        let mut f = line.split('\t');
        match f.next()? {
            "K" => service.condition_keys.push(ConditionKey {
                name: f.next()?,
                value_type: f.next().unwrap_or_default(),
            }),
            "R" => {
                let name = f.next()?;
                let arn_patterns = words(f.next()?);
                service.resource_types.push(ResourceType {
                    name,
                    patterns: arn_patterns
                        .iter()
                        .filter_map(|p| Pattern::compile(p))
                        .collect(),
                    arn_patterns,
                    condition_keys: words(f.next().unwrap_or_default()),
                })
            }
            "A" => {
                let name = f.next()?;
                let levels = LevelSet::from_codes(f.next()?)?;
                let override_level = match f.next()? {
                    "-" | "" => None,
                    code => Some(single_level(code)?),
                };
                service.actions.push(Action {
                    name,
                    levels,
                    override_level,
                    condition_keys: words(f.next().unwrap_or_default()),
                    dependent_actions: words(f.next().unwrap_or_default()),
                    resources: Vec::new(),
                });
            }
            "r" => {
                let action = service.actions.last_mut()?;
                let resource_type = f.next()?;
                let required = match f.next()? {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                };
                action.resources.push(ActionResource {
                    resource_type,
                    required,
                    condition_keys: words(f.next().unwrap_or_default()),
                });
            }
            _ => {} // unknown kinds: ignored (a newer format may add some)
        }
    }
    // INVARIANT: lookups binary-search these lists case-insensitively. The generator writes
    // them sorted; sorting again (stable, near-linear on sorted input) keeps a hand-edited
    // file working.
    service.actions.sort_by(|a, b| cmp_ci(a.name, b.name));
    service
        .resource_types
        .sort_by(|a, b| cmp_ci(a.name, b.name));
    service
        .condition_keys
        .sort_by(|a, b| cmp_ci(a.name, b.name));
    Some(service)
}

fn single_level(code: &str) -> Option<AccessLevel> {
    let mut chars = code.chars();
    let level = AccessLevel::from_code(chars.next()?)?;
    chars.next().is_none().then_some(level)
}
