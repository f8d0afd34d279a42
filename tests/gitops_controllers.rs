#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The Argo CD `Application` and Flux `Kustomization` of the examples (`examples/*/gitops/`) and
//! of docs/pipelines.md parse as YAML, are of the kinds the controllers serve, and point at a
//! folder of the committed output that holds a kustomization.

mod support;
use support::root;

use serde_yaml::Value;

/// Every YAML document of `text`.
fn documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

/// The kind of a controller object, checked, and the output folder it points at.
fn target(doc: &Value) -> Option<(&'static str, String)> {
    let api = doc["apiVersion"].as_str().unwrap();
    let kind = doc["kind"].as_str().unwrap();
    match (api, kind) {
        ("argoproj.io/v1alpha1", "Application") => {
            assert!(doc["spec"]["destination"].is_mapping(), "{doc:?}");
            Some((
                "argocd",
                doc["spec"]["source"]["path"].as_str()?.to_string(),
            ))
        }
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization") => {
            assert_eq!(
                doc["spec"]["sourceRef"]["kind"].as_str(),
                Some("GitRepository")
            );
            let path = doc["spec"]["path"].as_str()?;
            Some(("flux", path.trim_start_matches("./").to_string()))
        }
        ("source.toolkit.fluxcd.io/v1", "GitRepository") => None,
        other => panic!("unexpected object {other:?}"),
    }
}

#[test]
fn the_examples_controllers_point_at_committed_kustomizations() {
    let mut seen = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(root().join("examples")).unwrap() {
        let dir = e.unwrap().path().join("gitops");
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in files {
            let f = f.unwrap().path();
            for doc in documents(&std::fs::read_to_string(&f).unwrap()) {
                if let Some((controller, path)) = target(&doc) {
                    let folder = root().join(&path);
                    assert!(
                        folder.join("kustomization.yaml").is_file(),
                        "{f:?}: {path} holds no kustomization"
                    );
                    seen.insert(controller);
                }
            }
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["argocd", "flux"]);
}

#[test]
fn the_pipelines_page_shows_both_controllers() {
    let page = std::fs::read_to_string(root().join("docs/pipelines.md")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for block in page.split("```yaml\n").skip(1) {
        let block = block.split("```").next().unwrap();
        if !block.contains("toolkit.fluxcd.io") && !block.contains("argoproj.io") {
            continue;
        }
        for doc in documents(block) {
            if let Some((controller, path)) = target(&doc) {
                assert!(
                    path.starts_with("out/clusters/") && path.ends_with("/kubernetes"),
                    "{path}"
                );
                seen.insert(controller);
            }
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["argocd", "flux"]);
}
