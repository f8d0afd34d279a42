//! Uniting two records of one IAM prefix.
//!
//! The Service Authorization Reference lists a few prefixes under more than one service:
//! `elasticloadbalancing` is ELB Classic and ELB v2, and both define `AddTags`,
//! `CreateLoadBalancer`, `DeleteLoadBalancer`, ... on their own resource types. AWS
//! authorizes `elasticloadbalancing:AddTags` on a Classic load balancer and on an ALB alike,
//! so the catalog's action is the union of every service's. The generator writes one merged
//! block per prefix; when a catalog file holds several blocks for one prefix (one per
//! service), the loader unites them here, so that no block is silently dropped.
//!
//! The union: the services' names; condition keys; resource types by name (ARN patterns and
//! keys united); actions by name, each with the union of the access-level flags (so an action
//! the services put at two levels is in both, and the two-level rule applies to the union),
//! the first override found, and the union of condition keys, dependent actions and
//! (action, resource type) pairs. Everything stays sorted as the lookups need.

use super::arn::Pattern;
use super::model::{cmp_ci, Action, ResourceType, Service};

/// Appends the items of `more` that `list` lacks (ASCII-case-insensitively), then sorts.
fn unite_words(list: &mut Vec<&'static str>, more: &[&'static str]) {
    for w in more {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            list.push(w);
        }
    }
    list.sort_by(|a, b| cmp_ci(a, b));
}

/// Unites the items of `b` into `a` by name (ASCII-case-insensitively): an item `a` lacks is
/// added, one it has is united with `unite_one`; then `a` is sorted by name.
fn unite_named<T>(
    a: &mut Vec<T>,
    b: Vec<T>,
    name: impl Fn(&T) -> &'static str,
    unite_one: impl Fn(&mut T, T),
) {
    for item in b {
        match a
            .iter_mut()
            .find(|x| name(x).eq_ignore_ascii_case(name(&item)))
        {
            Some(x) => unite_one(x, item),
            None => a.push(item),
        }
    }
    a.sort_by(|x, y| cmp_ci(name(x), name(y)));
}

fn unite_action(a: &mut Action, b: Action) {
    a.levels = a.levels.union(b.levels);
    a.override_level = a.override_level.or(b.override_level);
    unite_words(&mut a.condition_keys, &b.condition_keys);
    unite_words(&mut a.dependent_actions, &b.dependent_actions);
    unite_named(
        &mut a.resources,
        b.resources,
        |p| p.resource_type,
        |p, q| unite_words(&mut p.condition_keys, &q.condition_keys),
    );
}

fn unite_resource_type(a: &mut ResourceType, b: ResourceType) {
    let before = a.arn_patterns.len();
    for text in b.arn_patterns {
        if !a.arn_patterns.contains(&text) {
            a.arn_patterns.push(text);
        }
    }
    if a.arn_patterns.len() != before {
        a.patterns = a
            .arn_patterns
            .iter()
            .filter_map(|p| Pattern::compile(p))
            .collect();
    }
    unite_words(&mut a.condition_keys, &b.condition_keys);
}

/// Unites `b`, another record of `a`'s prefix, into `a`.
pub(crate) fn unite(a: &mut Service, b: Service) {
    for name in std::iter::once(b.name).chain(b.other_names) {
        if name != a.name && !a.other_names.contains(&name) {
            a.other_names.push(name);
        }
    }
    unite_named(
        &mut a.condition_keys,
        b.condition_keys,
        |k| k.name,
        |_, _| {},
    );
    unite_named(
        &mut a.resource_types,
        b.resource_types,
        |r| r.name,
        unite_resource_type,
    );
    unite_named(&mut a.actions, b.actions, |x| x.name, unite_action);
}
