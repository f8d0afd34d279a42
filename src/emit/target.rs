//! Output targets: which groups of artifacts a build writes (`--target aws,kubernetes,…`).
//!
//! Every declaration is checked whatever the selection, and the emitters that can report an
//! error (IAM policy sizes, templates) always run, so a build never hides an error because its
//! target is not written; the other emitters run only for the selected targets.
//! `manifest.json` is always written, so a later build with other targets removes the files it
//! no longer writes.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::layout::Section;

/// One group of artifacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Target {
    /// IAM documents and every `--cli-input-json` input (`aws/`, `resources/`,
    /// `clusters/*/eks/`).
    Aws,
    /// Kubernetes manifests (`clusters/*/kubernetes/**/*.yaml`).
    Kubernetes,
    /// Terraform JSON roots (`terraform/<account>/`).
    Terraform,
    /// A `kustomization.yaml` per cluster (`clusters/*/kubernetes/kustomization.yaml`); implies
    /// `kubernetes`, whose manifests it lists.
    Gitops,
    /// Files rendered from `--templates DIR` (`templates/`).
    Templates,
    /// The apply plan of each account (`apply/<account>/plan.json`, `apply.sh`); implies `aws`,
    /// whose inputs it runs. Not in the default selection: only when asked for.
    Apply,
}

impl Target {
    /// Every target, in order.
    pub const ALL: [Target; 6] = [
        Target::Aws,
        Target::Kubernetes,
        Target::Terraform,
        Target::Gitops,
        Target::Templates,
        Target::Apply,
    ];

    /// The targets written when none is named: every one but `apply`.
    pub const DEFAULT: [Target; 5] = [
        Target::Aws,
        Target::Kubernetes,
        Target::Terraform,
        Target::Gitops,
        Target::Templates,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Aws => "aws",
            Target::Kubernetes => "kubernetes",
            Target::Terraform => "terraform",
            Target::Gitops => "gitops",
            Target::Templates => "templates",
            Target::Apply => "apply",
        }
    }

    /// The target an output path belongs to (None: always written, i.e. `manifest.json`), by
    /// the part of the output layout it lies in.
    pub fn of_path(path: &str) -> Option<Target> {
        Target::of_section(Section::of(path))
    }

    /// The target that writes a part of the output layout (None: always written).
    pub fn of_section(section: Section) -> Option<Target> {
        match section {
            Section::Manifest => None,
            Section::Aws => Some(Target::Aws),
            Section::Kubernetes => Some(Target::Kubernetes),
            Section::Kustomization => Some(Target::Gitops),
            Section::Terraform => Some(Target::Terraform),
            Section::Templates => Some(Target::Templates),
            Section::Apply => Some(Target::Apply),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .iter()
            .copied()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown target `{s}` (expected one of: {})",
                    Target::ALL.map(Target::name).join(", ")
                )
            })
    }
}

/// A set of targets; the default is every target but `apply`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets(BTreeSet<Target>);

impl Default for Targets {
    fn default() -> Self {
        Targets::all()
    }
}

impl Targets {
    /// The default selection: every target but `apply` ([`Target::DEFAULT`]).
    pub fn all() -> Targets {
        Targets(Target::DEFAULT.into_iter().collect())
    }

    /// These targets (`gitops` brings `kubernetes`: a kustomization lists its manifests).
    pub fn of<I: IntoIterator<Item = Target>>(targets: I) -> Targets {
        let mut set: BTreeSet<Target> = targets.into_iter().collect();
        if set.contains(&Target::Gitops) {
            set.insert(Target::Kubernetes);
        }
        if set.contains(&Target::Apply) {
            set.insert(Target::Aws);
        }
        Targets(set)
    }

    /// Whether a target is selected.
    pub fn contains(&self, t: Target) -> bool {
        self.0.contains(&t)
    }

    /// Whether the artifact at this output path is written.
    pub fn writes(&self, path: &str) -> bool {
        Target::of_path(path).is_none_or(|t| self.contains(t))
    }

    /// The selected targets, in order.
    pub fn iter(&self) -> impl Iterator<Item = Target> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Targets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Target::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_their_target() {
        let cases = [
            ("manifest.json", None),
            ("aws/1/roles/r/policy.json", Some(Target::Aws)),
            ("resources/s3/b/bucket-policy.json", Some(Target::Aws)),
            ("clusters/prod/eks/create-cluster.json", Some(Target::Aws)),
            (
                "clusters/prod/kubernetes/ops/role-x.yaml",
                Some(Target::Kubernetes),
            ),
            (
                "clusters/prod/kubernetes/kustomization.yaml",
                Some(Target::Gitops),
            ),
            (
                "clusters/prod/kubernetes/ns/kustomization.yaml",
                Some(Target::Kubernetes),
            ),
            ("terraform/1/versions.tf.json", Some(Target::Terraform)),
            ("templates/role/1.r.yaml", Some(Target::Templates)),
        ];
        for (path, target) in cases {
            assert_eq!(Target::of_path(path), target, "{path}");
        }
    }

    #[test]
    fn gitops_brings_kubernetes() {
        let t = Targets::of([Target::Gitops]);
        assert!(t.writes("clusters/prod/kubernetes/ops/role-x.yaml"));
        assert!(t.writes("manifest.json"));
        assert!(!t.writes("aws/1/roles/r/policy.json"));
        assert_eq!(t.to_string(), "kubernetes,gitops");
        assert_eq!("terraform".parse::<Target>(), Ok(Target::Terraform));
        assert!("tf".parse::<Target>().is_err());
    }
}
