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
use super::model::{cmp_ci, Action, ActionResource, ResourceType, Service};

/// Appends the items of `more` that `list` lacks (ASCII-case-insensitively), then sorts.
fn unite_words(list: &mut Vec<&'static str>, more: &[&'static str]) {
    for w in more {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            list.push(w);
        }
    }
    list.sort_by(|a, b| cmp_ci(a, b));
}

/// The (action, resource type) pairs of `b` united into `a`'s.
fn unite_pairs(a: &mut Vec<ActionResource>, b: Vec<ActionResource>) {
    for pair in b {
        match a
            .iter_mut()
            .find(|p| p.resource_type.eq_ignore_ascii_case(pair.resource_type))
        {
            Some(p) => unite_words(&mut p.condition_keys, &pair.condition_keys),
            None => a.push(pair),
        }
    }
    a.sort_by(|x, y| cmp_ci(x.resource_type, y.resource_type));
}

fn unite_action(a: &mut Action, b: Action) {
    a.levels = a.levels.union(b.levels);
    a.override_level = a.override_level.or(b.override_level);
    unite_words(&mut a.condition_keys, &b.condition_keys);
    unite_words(&mut a.dependent_actions, &b.dependent_actions);
    unite_pairs(&mut a.resources, b.resources);
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
    for key in b.condition_keys {
        if !a
            .condition_keys
            .iter()
            .any(|k| k.name.eq_ignore_ascii_case(key.name))
        {
            a.condition_keys.push(key);
        }
    }
    for rt in b.resource_types {
        match a
            .resource_types
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(rt.name))
        {
            Some(r) => unite_resource_type(r, rt),
            None => a.resource_types.push(rt),
        }
    }
    for action in b.actions {
        match a
            .actions
            .iter_mut()
            .find(|x| x.name.eq_ignore_ascii_case(action.name))
        {
            Some(x) => unite_action(x, action),
            None => a.actions.push(action),
        }
    }
    a.condition_keys.sort_by(|x, y| cmp_ci(x.name, y.name));
    a.resource_types.sort_by(|x, y| cmp_ci(x.name, y.name));
    a.actions.sort_by(|x, y| cmp_ci(x.name, y.name));
}
