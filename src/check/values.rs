//! Checks of literal values: names, account IDs, regions, partitions, ARNs, OIDC issuers.
//!
//! Each check returns `Err((message, help))`; the caller adds the code and span.

/// A failed value check: message and help.
pub type Problem = (String, String);

/// E106 when `name` is not a Kubernetes-style name ([`k8s_name`]), labelled `label` (what
/// the name is: `invalid name`, `invalid namespace name`, …): the one place the check is
/// written, for declarations' names, namespaces and service accounts.
pub fn check_k8s_name(
    name: &crate::ast::Spanned<String>,
    label: &str,
    diags: &mut Vec<crate::diagnostics::Diag>,
) -> bool {
    match k8s_name(&name.node) {
        Ok(()) => true,
        Err((msg, help)) => {
            diags.push(
                crate::diagnostics::Diag::new(crate::diagnostics::Code::E106, msg)
                    .at(name.span)
                    .label(label)
                    .help(help),
            );
            false
        }
    }
}

/// Kubernetes-style name: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn k8s_name(name: &str) -> Result<(), Problem> {
    if !is_k8s_name(name) {
        let lower = name.to_ascii_lowercase().replace(['_', '.'], "-");
        let help = if name.len() > 63 {
            "names have at most 63 characters".to_string()
        } else if is_k8s_name(&lower) {
            format!("names are lowercase letters, digits and `-`: try `{lower}`")
        } else {
            "names are lowercase letters, digits and `-`, starting and ending with a letter or digit"
                .to_string()
        };
        return Err((format!("`{name}` is not a valid name"), help));
    }
    Ok(())
}

/// Whether a name follows the Kubernetes rule.
fn is_k8s_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// 12 digits.
pub fn account(id: &str) -> Result<(), Problem> {
    if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err((
            format!("`{id}` is not an AWS account id"),
            "an account id is exactly 12 digits, e.g. \"111122223333\"".into(),
        ))
    }
}

/// The partitions AWS has.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// A known partition.
pub fn partition(p: &str) -> Result<(), Problem> {
    if PARTITIONS.contains(&p) {
        Ok(())
    } else {
        let help = match crate::suggest::closest(p, PARTITIONS.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("partitions are {}", PARTITIONS.join(", ")),
        };
        Err((format!("`{p}` is not an AWS partition"), help))
    }
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eusc-") {
        "aws-eusc"
    } else {
        "aws"
    }
}

/// A region name such as `us-west-2`, `ap-southeast-4`, `us-gov-east-1`.
pub fn region(r: &str) -> Result<(), Problem> {
    let parts: Vec<&str> = r.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts[0].len() >= 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err((
            format!("`{r}` is not an AWS region"),
            "regions look like \"us-west-2\" or \"eu-central-1\"".into(),
        ))
    }
}

/// An organization id `o-` + 10 to 32 lowercase letters or digits.
pub fn org(id: &str) -> Result<(), Problem> {
    let rest = id.strip_prefix("o-").unwrap_or("");
    if (10..=32).contains(&rest.len())
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err((
            format!("`{id}` is not an AWS Organizations id"),
            "organization ids look like \"o-a1b2c3d4e5\"".into(),
        ))
    }
}

/// An EKS cluster name: 1–100 of letters, digits, `-`, `_`, starting with a letter or digit.
pub fn eks_name(n: &str) -> Result<(), Problem> {
    let ok = !n.is_empty()
        && n.len() <= 100
        && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err((
            format!("`{n}` is not a valid EKS cluster name"),
            "EKS names are 1-100 letters, digits, `-` and `_`, starting with a letter or digit"
                .into(),
        ))
    }
}

/// An OIDC issuer as IAM names it: host and path, no scheme, e.g.
/// `oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`.
pub fn oidc_issuer(issuer: &str, region: &str) -> Result<(), Problem> {
    if let Some(rest) = issuer.strip_prefix("https://") {
        return Err((
            "the OIDC issuer is written without `https://`".into(),
            format!("write \"{rest}\""),
        ));
    }
    let expected_host = format!("oidc.eks.{region}.amazonaws.com");
    let Some((host, path)) = issuer.split_once('/') else {
        return Err((
            format!("`{issuer}` is not an EKS OIDC issuer"),
            format!("issuers look like \"{expected_host}/id/EXAMPLED539D4633E53DE1B71EXAMPLE\""),
        ));
    };
    let id = path.strip_prefix("id/").unwrap_or("");
    let id_ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric());
    let host_ok = host == expected_host || host == format!("{expected_host}.cn");
    if !host_ok || !id_ok {
        let help = if !host_ok && host.starts_with("oidc.eks.") {
            format!("the issuer's host must be `{expected_host}` for a cluster in `{region}`")
        } else {
            format!("issuers look like \"{expected_host}/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (`aws eks describe-cluster --query cluster.identity.oidc.issuer`, without `https://`)")
        };
        return Err((format!("`{issuer}` is not an EKS OIDC issuer"), help));
    }
    Ok(())
}

/// The parts of an ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// Partition.
    pub partition: &'a str,
    /// Service.
    pub service: &'a str,
    /// Region (may be empty).
    pub region: &'a str,
    /// Account (may be empty).
    pub account: &'a str,
    /// Resource part.
    pub resource: &'a str,
}

/// Split an ARN `arn:partition:service:region:account:resource`.
pub fn arn(text: &str) -> Result<Arn<'_>, Problem> {
    let bad = |why: &str| {
        Err((
            format!("`{text}` is not a valid ARN: {why}"),
            "ARNs look like \"arn:aws:s3:::bucket/*\" or \"arn:aws:sqs:us-west-2:111122223333:queue\"".to_string(),
        ))
    };
    // The first five `:` cut the six parts (the resource part may hold more); `:` is ASCII,
    // so its bytes are found without decoding.
    let mut cuts = [0usize; 5];
    let mut found = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b':' {
            cuts[found] = i;
            found += 1;
            if found == 5 {
                break;
            }
        }
    }
    if found < 5 {
        return bad("it needs six `:`-separated parts");
    }
    let [c0, c1, c2, c3, c4] = cuts;
    let prefix = &text[..c0];
    let partition = &text[c0 + 1..c1];
    let service = &text[c1 + 1..c2];
    let region = &text[c2 + 1..c3];
    let account = &text[c3 + 1..c4];
    let resource = &text[c4 + 1..];
    if prefix != "arn" {
        return bad("it must start with `arn:`");
    }
    if partition != "*" && !partition.starts_with("${") && !PARTITIONS.contains(&partition) {
        return bad(&format!("`{partition}` is not a partition"));
    }
    if service.is_empty()
        || !service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*')
    {
        return bad("the service is missing or malformed");
    }
    if resource.is_empty() {
        return bad("the resource part is empty");
    }
    // ASCII text (nearly every ARN) by its bytes: a space or a control character.
    // One pass over the bytes finds neither (nearly always), or a byte to look at closer.
    let spaced = if !text.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        false
    } else if text.is_ascii() {
        true
    } else {
        text.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced {
        return bad("it contains whitespace");
    }
    Ok(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// An IAM role ARN `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`; returns (account, path, name).
pub fn role_arn(text: &str) -> Result<(String, String, String), Problem> {
    let a = arn(text)?;
    let wrong = || {
        Err((
            format!("`{text}` is not an IAM role ARN"),
            "role ARNs look like \"arn:aws:iam::111122223333:role/NAME\"".to_string(),
        ))
    };
    if a.service != "iam" || !a.region.is_empty() {
        return wrong();
    }
    account(a.account)?;
    let Some(rest) = a.resource.strip_prefix("role/") else {
        return wrong();
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n.to_string()),
        None => ("/".to_string(), rest.to_string()),
    };
    if name.is_empty() || !name.chars().all(is_role_name_char) {
        return wrong();
    }
    Ok((a.account.to_string(), path, name))
}

/// Characters IAM allows in role names.
pub fn is_role_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// An IAM path: `/` or `/a/b/`, printable ASCII, at most 512 characters (IAM's pattern
/// `^/$|^/[\u0021-\u007F]+/$`, without DEL). Narrower than IAM where the path would change the
/// meaning of the role's ARN in a policy: no `*` or `?` (IAM wildcards: the role's ARN in a
/// `Resource` would match other roles) and no `${` (a policy variable).
pub fn role_path(p: &str) -> Result<(), Problem> {
    let ok = p.starts_with('/')
        && p.ends_with('/')
        && p.len() <= 512
        && !p.contains("//")
        && p.chars().all(|c| ('!'..='~').contains(&c));
    if !ok {
        return Err((
            format!("`{}` is not a valid IAM path", p.escape_debug()),
            "paths start and end with `/` and hold printable ASCII without spaces, at most 512 characters, e.g. \"/\" or \"/eks/workloads/\"".into(),
        ));
    }
    if p.contains(['*', '?']) || p.contains("${") {
        return Err((
            format!("`{p}` would turn the roles' ARNs into patterns in the policies that name them"),
            "`*`, `?` and `${` are wildcards and variables in the policies that name the roles' ARNs: use letters, digits and `-`, e.g. \"/eks/workloads/\"".into(),
        ));
    }
    Ok(())
}

/// The placeholders EKS and aws-auth replace in a Kubernetes username.
pub const USERNAME_PLACEHOLDERS: &[&str] = &[
    "{{AccountID}}",
    "{{SessionName}}",
    "{{SessionNameRaw}}",
    "{{AccessKeyID}}",
    "{{EC2PrivateDNSName}}",
];

/// A Kubernetes username for an access entry or aws-auth mapping: printable ASCII without
/// spaces (no control characters, and no look-alike of a reserved name such as a Cyrillic
/// `ѕystem:`), at most 256 characters, and `{{…}}` only for the placeholders EKS replaces.
/// (The reserved prefixes are E401, checked by the caller.)
pub fn username(u: &str) -> Result<(), Problem> {
    if let Some(c) = u.chars().find(|c| !('!'..='~').contains(c)) {
        return Err((
            format!("username `{}` holds {c:?}", u.escape_debug()),
            "usernames are printable ASCII without spaces (they are matched in RBAC bindings and shown in audit logs)".into(),
        ));
    }
    if u.len() > 256 {
        return Err((
            format!("username is {} characters long", u.len()),
            "keep usernames at most 256 characters".into(),
        ));
    }
    let mut rest = u.to_string();
    for p in USERNAME_PLACEHOLDERS {
        rest = rest.replace(p, "");
    }
    if rest.contains("{{") || rest.contains("}}") {
        return Err((
            format!("username `{u}` has a placeholder EKS does not replace"),
            format!(
                "the placeholders are {}",
                USERNAME_PLACEHOLDERS
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(k8s_name("payments").is_ok());
        assert!(k8s_name("a-1").is_ok());
        assert!(k8s_name("Payments").is_err());
        assert!(k8s_name("-a").is_err());
        assert!(k8s_name(&"a".repeat(64)).is_err());
        assert!(k8s_name("my_app").unwrap_err().1.contains("my-app"));
    }

    #[test]
    fn accounts_regions() {
        assert!(account("111122223333").is_ok());
        assert!(account("11112222333").is_err());
        assert!(account("11112222333a").is_err());
        assert!(region("us-west-2").is_ok());
        assert!(region("us-gov-east-1").is_ok());
        assert!(region("uswest2").is_err());
        assert!(region("us-west").is_err());
        assert_eq!(partition_of_region("cn-north-1"), "aws-cn");
        assert!(partition("aws").is_ok());
        assert!(partition("awz").unwrap_err().1.contains("`aws`"));
        assert!(org("o-a1b2c3d4e5").is_ok());
        assert!(org("o-123").is_err());
    }

    #[test]
    fn arns() {
        assert!(arn("arn:aws:s3:::receipts/*").is_ok());
        assert!(arn("arn:aws:s3::receipts").is_err());
        assert!(arn("aws:s3:::x:y").is_err());
        assert!(arn("arn:aws:s3:::").is_err());
        let (acct, path, name) = role_arn("arn:aws:iam::111122223333:role/team/Dev").unwrap();
        assert_eq!(
            (acct.as_str(), path.as_str(), name.as_str()),
            ("111122223333", "/team/", "Dev")
        );
        assert!(role_arn("arn:aws:iam::111122223333:user/Dev").is_err());
    }

    #[test]
    fn issuers() {
        let ok = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
        assert!(oidc_issuer(ok, "us-west-2").is_ok());
        assert!(oidc_issuer(ok, "us-east-1").is_err());
        assert!(oidc_issuer(&format!("https://{ok}"), "us-west-2").is_err());
        assert!(oidc_issuer("example.com", "us-west-2").is_err());
    }

    #[test]
    fn paths() {
        assert!(role_path("/").is_ok());
        assert!(role_path("/eks/").is_ok());
        assert!(role_path("eks/").is_err());
        assert!(role_path("/a//b/").is_err());
        assert!(role_path("/a b/").is_err());
        assert!(role_path("/a*/").is_err());
        assert!(role_path("/team?/").is_err());
        assert!(role_path("/${aws:username}/").is_err());
        assert!(role_path(&format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn usernames() {
        assert!(username("ci-deployer:{{SessionName}}").is_ok());
        assert!(username("release-bot").is_ok());
        assert!(username("ci user").is_err());
        assert!(username("ci\nuser").is_err());
        assert!(username("\u{0455}ystem:masters").is_err());
        assert!(username("ci:{{SessionNam}}").is_err());
        assert!(username(&"a".repeat(257)).is_err());
    }
}
