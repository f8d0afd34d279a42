//! The packs shipped in the binary: `.access` sources under `packs/`, one `pack` declaration
//! each, embedded with `include_str!`.
//!
//! A `use NAME(…)` that names no pack of the program takes the built-in pack of that name (the
//! program's own pack of the same name wins). Built-in packs are parsed only when a program
//! uses them, and are never reported unused (W003). Their files are not part of the program's
//! [`crate::source::Sources`]: each has a reserved [`FileId`] that `Sources` resolves to the
//! embedded text, so diagnostics inside a built-in pack show it as
//! `<accessc>/packs/NAME.access`.

use crate::ast::FileId;

/// One built-in pack.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinPack {
    /// The pack's name (as in `use NAME(…)`), also its file's stem.
    pub name: &'static str,
    /// The controller version its policy matches.
    pub version: &'static str,
    /// One line of what it is for.
    pub summary: &'static str,
    /// Its `.access` source.
    pub source: &'static str,
}

/// Every built-in pack, sorted by name.
pub const PACKS: &[BuiltinPack] = &[
    BuiltinPack {
        name: "amazon-managed-service-prometheus",
        version: "6.5.0",
        summary: "amazon-managed-service-prometheus: remote-write to and query AMP workspaces (the policy of terraform-aws-iam 6.5.0)",
        source: include_str!("../packs/amazon-managed-service-prometheus.access"),
    },
    BuiltinPack {
        name: "appmesh-controller",
        version: "1.13.3",
        summary: "appmesh-controller: App Mesh resources and Cloud Map registrations from Kubernetes",
        source: include_str!("../packs/appmesh-controller.access"),
    },
    BuiltinPack {
        name: "appmesh-envoy-proxy",
        version: "1.13.3",
        summary: "appmesh-envoy-proxy: the App Mesh Envoy sidecar's configuration stream and TLS certificates",
        source: include_str!("../packs/appmesh-envoy-proxy.access"),
    },
    BuiltinPack {
        name: "aws-gateway-controller",
        version: "2.1.3",
        summary: "aws-gateway-controller: VPC Lattice services and networks for Gateway API routes",
        source: include_str!("../packs/aws-gateway-controller.access"),
    },
    BuiltinPack {
        name: "aws-load-balancer-controller",
        version: "3.5.0",
        summary: "aws-load-balancer-controller: ALBs and NLBs for Ingresses and Services",
        source: include_str!("../packs/aws-load-balancer-controller.access"),
    },
    BuiltinPack {
        name: "aws-load-balancer-controller-tgb",
        version: "3.5.0",
        summary: "aws-load-balancer-controller-tgb: the Load Balancer Controller's TargetGroupBinding-only mode",
        source: include_str!("../packs/aws-load-balancer-controller-tgb.access"),
    },
    BuiltinPack {
        name: "aws-privateca-issuer",
        version: "1.9.0",
        summary: "aws-privateca-issuer: cert-manager certificates signed by AWS Private CA",
        source: include_str!("../packs/aws-privateca-issuer.access"),
    },
    BuiltinPack {
        name: "cert-manager",
        version: "1.21.1",
        summary: "cert-manager: Route 53 TXT records for ACME DNS01 challenges",
        source: include_str!("../packs/cert-manager.access"),
    },
    BuiltinPack {
        name: "cloudwatch-observability",
        version: "3",
        summary: "cloudwatch-observability: Container Insights, Application Signals and X-Ray from the CloudWatch add-on (CloudWatchAgentServerPolicy v3, AWSXrayWriteOnlyAccess v2)",
        source: include_str!("../packs/cloudwatch-observability.access"),
    },
    BuiltinPack {
        name: "cluster-autoscaler",
        version: "1.36.1",
        summary: "cluster-autoscaler: resizes the cluster's Auto Scaling groups",
        source: include_str!("../packs/cluster-autoscaler.access"),
    },
    BuiltinPack {
        name: "ebs-csi",
        version: "1.64.0",
        summary: "ebs-csi: EBS volumes and snapshots for PersistentVolumes, optionally KMS-encrypted",
        source: include_str!("../packs/ebs-csi.access"),
    },
    BuiltinPack {
        name: "efs-csi",
        version: "3.4.1",
        summary: "efs-csi: EFS access points for PersistentVolumes",
        source: include_str!("../packs/efs-csi.access"),
    },
    BuiltinPack {
        name: "external-dns",
        version: "0.22.0",
        summary: "external-dns: Route 53 records for Services and Ingresses",
        source: include_str!("../packs/external-dns.access"),
    },
    BuiltinPack {
        name: "external-secrets",
        version: "2.9.0",
        summary: "external-secrets: Secrets Manager secrets and SSM parameters into Kubernetes Secrets",
        source: include_str!("../packs/external-secrets.access"),
    },
    BuiltinPack {
        name: "fsx-lustre-csi",
        version: "1.9.0",
        summary: "fsx-lustre-csi: FSx for Lustre file systems as PersistentVolumes",
        source: include_str!("../packs/fsx-lustre-csi.access"),
    },
    BuiltinPack {
        name: "karpenter",
        version: "1.14.1",
        summary: "karpenter: launches and terminates the cluster's nodes",
        source: include_str!("../packs/karpenter.access"),
    },
    BuiltinPack {
        name: "mountpoint-s3-csi",
        version: "2.7.0",
        summary: "mountpoint-s3-csi: S3 buckets mounted as volumes by Mountpoint",
        source: include_str!("../packs/mountpoint-s3-csi.access"),
    },
    BuiltinPack {
        name: "node-termination-handler",
        version: "1.25.6",
        summary: "node-termination-handler: drains nodes on the interruption and lifecycle events of an SQS queue",
        source: include_str!("../packs/node-termination-handler.access"),
    },
    BuiltinPack {
        name: "secrets-store-csi",
        version: "2.1.1",
        summary: "secrets-store-csi: Secrets Manager secrets and SSM parameters mounted by the AWS CSI provider",
        source: include_str!("../packs/secrets-store-csi.access"),
    },
    BuiltinPack {
        name: "velero",
        version: "1.13.2",
        summary: "velero: cluster backups to S3 and EBS snapshots (AWS plugin)",
        source: include_str!("../packs/velero.access"),
    },
    BuiltinPack {
        name: "vpc-cni",
        version: "1.23.0",
        summary: "vpc-cni: pod IP addresses from the nodes' network interfaces (IPv4)",
        source: include_str!("../packs/vpc-cni.access"),
    },
    BuiltinPack {
        name: "vpc-cni-ipv6",
        version: "1.23.0",
        summary: "vpc-cni-ipv6: pod IP addresses from the nodes' IPv6 prefixes",
        source: include_str!("../packs/vpc-cni-ipv6.access"),
    },
];

/// The file path diagnostics show for a built-in pack.
pub fn path(pack: &BuiltinPack) -> String {
    format!("<accessc>/packs/{}.access", pack.name)
}

/// The file name generated output records for a built-in pack.
pub fn output_name(pack: &BuiltinPack) -> String {
    format!("accessc:packs/{}.access", pack.name)
}

/// The index in [`PACKS`] of a built-in pack's file id.
pub(crate) fn index(id: FileId) -> Option<usize> {
    is_builtin(id).then(|| (id.0 - FIRST_ID) as usize)
}

/// The first file id of the built-in packs (pack `i` is `FIRST_ID + i`); far above any file
/// count a program can have.
const FIRST_ID: u32 = u32::MAX - 4096;

/// A built-in pack by name.
pub fn get(name: &str) -> Option<&'static BuiltinPack> {
    PACKS.iter().find(|p| p.name == name)
}

/// The file id of a built-in pack.
pub(crate) fn file_id(name: &str) -> Option<FileId> {
    let i = PACKS.iter().position(|p| p.name == name)?;
    Some(FileId(FIRST_ID + u32::try_from(i).ok()?))
}

/// Whether a file id is a built-in pack's.
pub fn is_builtin(id: FileId) -> bool {
    id.0 >= FIRST_ID && ((id.0 - FIRST_ID) as usize) < PACKS.len()
}

/// `NAME(PARAM: TYPE [= DEFAULT], …)` of a pack declaration.
pub fn signature_of(p: &crate::ast::PackDecl) -> String {
    let params: Vec<String> = p
        .params
        .iter()
        .map(|param| {
            let default = param
                .default
                .as_ref()
                .map(|d| format!(" = {}", value_text(&d.node)))
                .unwrap_or_default();
            format!("{}: {}{default}", param.name.node, param.ty.node)
        })
        .collect();
    format!("{}({})", p.name.node, params.join(", "))
}

/// A value as a pack's signature shows it.
pub fn value_text(v: &crate::ast::Value) -> String {
    match v {
        crate::ast::Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| format!("{:?}", i.node.text()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        crate::ast::Value::Str(s) => format!("{s:?}"),
        crate::ast::Value::Word(w) => w.clone(),
        crate::ast::Value::WordList(w, _) => format!("{w} […]"),
    }
}
