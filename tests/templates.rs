#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Custom templates: the shipped Crossplane set rendered for the quickstart (snapshot, and
//! checked against the IAM documents it carries), strict mode, file naming, and the CLI.

mod support;
use support::accessc;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use accessc::templates::{TemplateFile, TemplateSet};
use serde::Deserialize;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn crossplane() -> TemplateSet {
    let mut set = TemplateSet::read(&root().join("templates/crossplane")).unwrap();
    set.dir = "templates/crossplane".into();
    set
}

/// Compile a folder with a template set: path → contents, or the diagnostics as text.
fn compile(dir: &Path, set: TemplateSet) -> Result<BTreeMap<String, String>, String> {
    let sources = support::load_dir(dir);
    let options = accessc::Options {
        templates: Some(set),
        ..accessc::Options::default()
    };
    let compiled = accessc::compile_with(&sources, &options);
    match compiled.artifacts {
        Some(a) => Ok(a.into_iter().map(|a| (a.path, a.contents)).collect()),
        None => Err(accessc::diagnostics::render::render(
            &compiled.diags,
            &sources,
            accessc::diagnostics::render::Format::Short,
        )),
    }
}

fn set(files: &[(&str, &str)]) -> TemplateSet {
    TemplateSet {
        dir: "t".into(),
        files: files
            .iter()
            .map(|(n, t)| TemplateFile {
                name: n.to_string(),
                text: t.to_string(),
            })
            .collect(),
    }
}

#[test]
fn crossplane_quickstart_snapshot() {
    let out = compile(&root().join("examples/quickstart"), crossplane()).unwrap();
    let mut text = String::new();
    for (path, contents) in out.iter().filter(|(p, _)| p.starts_with("templates/")) {
        text.push_str(&format!("----- {path}\n{contents}"));
    }
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("templates_crossplane_quickstart", text);
    });
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Object {
    api_version: String,
    kind: String,
    metadata: serde_yaml::Value,
    spec: serde_yaml::Value,
}

fn json_of(v: &serde_yaml::Value) -> Value {
    serde_json::from_str(v.as_str().unwrap()).unwrap()
}

#[test]
fn crossplane_objects_carry_the_compiled_documents() {
    for example in ["quickstart", "multi-tenant"] {
        let out = compile(&root().join("examples").join(example), crossplane()).unwrap();
        let mut roles = 0;
        for (path, contents) in out
            .iter()
            .filter(|(p, _)| p.starts_with("templates/role.crossplane/"))
        {
            let stem = path
                .trim_start_matches("templates/role.crossplane/")
                .trim_end_matches(".yaml");
            let (account, role) = stem.split_once('.').unwrap();
            let dir = format!("aws/{account}/roles/{role}");
            let objects: Vec<Object> = serde_yaml::Deserializer::from_str(contents)
                .map(|d| Object::deserialize(d).unwrap())
                .collect();
            assert!(objects
                .iter()
                .all(|o| o.api_version == "iam.aws.upbound.io/v1beta1"));
            let r = &objects[0];
            assert_eq!(r.kind, "Role");
            assert_eq!(
                r.metadata["annotations"]["crossplane.io/external-name"],
                role
            );
            let trust: Value =
                serde_json::from_str(&out[&format!("{dir}/trust-policy.json")]).unwrap();
            assert_eq!(
                json_of(&r.spec["forProvider"]["assumeRolePolicy"]),
                trust,
                "{path}"
            );
            let create: Value =
                serde_json::from_str(&out[&format!("{dir}/create-role.json")]).unwrap();
            assert_eq!(
                r.spec["forProvider"]["permissionsBoundary"].as_str(),
                create["PermissionsBoundary"].as_str(),
                "{path}"
            );
            // Policy + attachment per managed policy, in order.
            let rest = &objects[1..];
            assert_eq!(rest.len() % 2, 0);
            for (i, pair) in rest.chunks(2).enumerate() {
                let sfx = if i == 0 {
                    String::new()
                } else {
                    format!("-{}", i + 1)
                };
                let doc: Value =
                    serde_json::from_str(&out[&format!("{dir}/policy{sfx}.json")]).unwrap();
                assert_eq!(pair[0].kind, "Policy");
                assert_eq!(
                    json_of(&pair[0].spec["forProvider"]["policy"]),
                    doc,
                    "{path}"
                );
                assert_eq!(pair[1].kind, "RolePolicyAttachment");
                assert_eq!(
                    pair[1].spec["forProvider"]["roleRef"]["name"], r.metadata["name"],
                    "{path}"
                );
                assert_eq!(
                    pair[1].spec["forProvider"]["policyArnRef"]["name"], pair[0].metadata["name"],
                    "{path}"
                );
            }
            roles += 1;
        }
        let expected = out
            .keys()
            .filter(|p| p.starts_with("aws/") && p.ends_with("/create-role.json"))
            .count();
        assert_eq!(roles, expected, "{example}: one file per role");
        let boundaries = out
            .keys()
            .filter(|p| p.starts_with("templates/boundary.crossplane/"))
            .count();
        assert_eq!(
            boundaries,
            out.keys()
                .filter(|p| p.ends_with("/boundary-policy.json"))
                .count()
        );
    }
}

#[test]
fn strict_mode_names_template_line_and_field() {
    let dir = root().join("examples/quickstart");
    let err = compile(
        &dir,
        set(&[(
            "role.x.txt.hbs",
            "name {{role.name}}\n\n  arn {{role.arm}}\n",
        )]),
    )
    .unwrap_err();
    assert!(err.contains("error[E501]"), "{err}");
    assert!(err.contains("`t/role.x.txt.hbs:3:7`"), "{err}");
    assert!(
        err.contains("`role.arm` is not in the role context"),
        "{err}"
    );
    assert!(
        err.contains("rendering role `payments-checkout` of account 111122223333"),
        "{err}"
    );

    // `if` is strict too, inside blocks and partials as well.
    for (files, needle) in [
        (
            vec![("app.x.txt.hbs", "{{#if app.identty}}x{{/if}}")],
            "`app.identty`",
        ),
        (
            vec![(
                "cluster.x.txt.hbs",
                "{{#each cluster.namespaces}}{{../cluster.nam}}{{/each}}",
            )],
            "cluster.nam",
        ),
        (
            vec![
                ("_p.hbs", "{{boundary.nme}}"),
                ("boundary.x.txt.hbs", "a\n{{> p}}"),
            ],
            "boundary.nme",
        ),
        (
            vec![("role.x.txt.hbs", "{{json role.nope}}")],
            "`role.nope`",
        ),
        (
            vec![("role.x.txt.hbs", "{{nohelper role.name}}")],
            "nohelper",
        ),
    ] {
        let err = compile(&dir, set(&files)).unwrap_err();
        assert!(err.contains("error[E501]") && err.contains(needle), "{err}");
    }
    // Null fields are present: guarded, they render.
    let ok = compile(
        &dir,
        set(&[(
            "cluster.x.txt.hbs",
            "{{#if cluster.org}}org {{cluster.org}}{{else}}no org{{/if}} {{#unless cluster.nodes}}-{{/unless}}",
        )]),
    )
    .unwrap();
    // Trailing whitespace is trimmed to one final newline.
    assert_eq!(ok["templates/cluster.x/prod.txt"], "org o-a1b2c3d4e5\n");
}

#[test]
fn names_partials_and_empty_renderings() {
    let dir = root().join("examples/multi-tenant");
    let err = compile(&dir, set(&[("roles.yaml.hbs", "x")])).unwrap_err();
    assert!(
        err.contains("error[E502]") && err.contains("`roles` is not a kind"),
        "{err}"
    );
    let err = compile(
        &dir,
        set(&[("role.yaml.hbs", "{{#each role.members}}\n{{/with}}")]),
    )
    .unwrap_err();
    assert!(
        err.contains("error[E502]") && err.contains("t/role.yaml.hbs:2:1"),
        "{err}"
    );

    let out = compile(
        &dir,
        set(&[
            (
                "_who.hbs",
                "{{namespace}}/{{service_account}}@{{cluster}}\n",
            ),
            (
                "role.members.txt.hbs",
                "{{#if role.shared}}\n{{#each role.members}}\n{{> who}}\n{{/each}}\n{{/if}}\n",
            ),
            (
                "app.sa.json.hbs",
                "{{json app.service_accounts pretty=true}}",
            ),
        ]),
    )
    .unwrap();
    // Only the shared role renders something; the others write no file.
    let members: Vec<&String> = out
        .keys()
        .filter(|p| p.starts_with("templates/role.members/"))
        .collect();
    assert_eq!(
        members,
        ["templates/role.members/111122223333.tenant-reader.txt"]
    );
    assert_eq!(
        out["templates/role.members/111122223333.tenant-reader.txt"],
        "acme/reader@prod-east\nacme/reader@prod-west\nglobex/reader@prod-east\ninitech/reader@prod-west\n"
    );
    let sa: Value = serde_json::from_str(&out["templates/app.sa/acme.reader.json"]).unwrap();
    assert_eq!(sa.as_array().unwrap().len(), 2);
}

#[test]
fn cli_renders_checks_and_reports_template_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let o = accessc(
        &[
            "build",
            "examples/quickstart",
            "-o",
            out_s,
            "--templates",
            "templates/crossplane",
        ],
        root(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out
        .join("templates/role.crossplane/111122223333.payments-checkout.yaml")
        .is_file());
    let o = accessc(
        &[
            "check",
            "examples/quickstart",
            "-o",
            out_s,
            "--templates",
            "templates/crossplane",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0));
    // Without the templates the rendered files are stale.
    let o = accessc(&["check", "examples/quickstart", "-o", out_s], root());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("extra:   "));
    // `--target` without `templates` skips them (and removes the old renderings).
    let o = accessc(
        &[
            "build",
            "examples/quickstart",
            "-o",
            out_s,
            "--templates",
            "templates/crossplane",
            "--target",
            "aws",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!out.join("templates").exists());

    // A broken template: exit 1, the place in the message, nothing written.
    let tdir = tmp.path().join("broken");
    fs::create_dir(&tdir).unwrap();
    fs::write(tdir.join("role.x.yaml.hbs"), "a: 1\nb: {{role.nmae}}\n").unwrap();
    fs::write(tdir.join("README.md"), "ignored\n").unwrap();
    let fresh = tmp.path().join("fresh");
    let o = accessc(
        &[
            "--error-format",
            "short",
            "build",
            "examples/quickstart",
            "-o",
            fresh.to_str().unwrap(),
            "--templates",
            tdir.to_str().unwrap(),
        ],
        root(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[E501]") && err.contains("role.x.yaml.hbs:2:4"),
        "{err}"
    );
    assert!(!fresh.exists());

    let o = accessc(
        &[
            "build",
            "examples/quickstart",
            "-o",
            out_s,
            "--templates",
            "no/such/dir",
        ],
        root(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/dir"));
}
