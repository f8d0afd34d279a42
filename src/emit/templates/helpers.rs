//! The helpers custom templates may use, and strict `if` / `unless`.
//!
//! | helper | gives |
//! | --- | --- |
//! | `json V` / `json V pretty=true` | V as compact / two-space JSON |
//! | `yaml V` / `yaml V indent=N` | V as YAML; with `indent`, a newline and every line indented by N spaces (for a nested block) |
//! | `indent TEXT N` | a newline and every line of TEXT indented by N spaces |
//! | `quote S` | S as a double-quoted JSON string (also a valid YAML scalar) |
//! | `join LIST SEP` | the items joined by SEP |
//! | `lower S`, `upper S` | case |
//! | `dns_label S` | S as a Kubernetes object name: lowercase, other characters `-`, at most 63 |
//! | `arn_partition`, `arn_service`, `arn_region`, `arn_account`, `arn_resource`, `arn_name` | the parts of an ARN; `arn_name` is the last `/` part of the resource (`role/eks/x` → `x`) |
//!
//! Every helper fails on a missing value, as strict mode does for `{{field}}`; so do `if` and
//! `unless`, which handlebars lets through otherwise.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, JsonTruthy, Output,
    PathAndJson, RenderContext, RenderError, RenderErrorReason, Renderable,
};
use serde_json::Value;

/// Register every helper.
pub fn register(h: &mut Handlebars<'_>) {
    h.register_helper("if", Box::new(StrictIf { positive: true }));
    h.register_helper("unless", Box::new(StrictIf { positive: false }));
    h.register_helper("json", Box::new(json));
    h.register_helper("yaml", Box::new(yaml));
    h.register_helper("indent", Box::new(indent));
    h.register_helper("quote", Box::new(quote));
    h.register_helper("join", Box::new(join));
    h.register_helper("lower", Box::new(lower));
    h.register_helper("upper", Box::new(upper));
    h.register_helper("dns_label", Box::new(dns_label));
    h.register_helper("arn_partition", Box::new(ArnPart(1)));
    h.register_helper("arn_service", Box::new(ArnPart(2)));
    h.register_helper("arn_region", Box::new(ArnPart(3)));
    h.register_helper("arn_account", Box::new(ArnPart(4)));
    h.register_helper("arn_resource", Box::new(ArnPart(5)));
    h.register_helper("arn_name", Box::new(ArnPart(6)));
}

fn missing(p: &PathAndJson<'_>) -> RenderError {
    RenderErrorReason::MissingVariable(p.relative_path().cloned()).into()
}

/// Parameter `idx` of a helper; a missing value is an error.
fn param<'a>(h: &'a Helper<'_>, name: &'static str, idx: usize) -> Result<&'a Value, RenderError> {
    let p = h
        .param(idx)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, idx))?;
    if p.is_value_missing() {
        return Err(missing(p));
    }
    Ok(p.value())
}

fn string_param(h: &Helper<'_>, name: &'static str, idx: usize) -> Result<String, RenderError> {
    match param(h, name, idx)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(RenderErrorReason::InvalidParamType("a string").into()),
    }
}

fn hash_usize(h: &Helper<'_>, key: &str) -> Result<Option<usize>, RenderError> {
    match h.hash_get(key) {
        None => Ok(None),
        Some(v) if v.is_value_missing() => Err(missing(v)),
        Some(v) => v
            .value()
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| RenderErrorReason::InvalidParamType("a number").into()),
    }
}

/// A newline, then every line indented by `n` spaces (empty lines stay empty).
fn indented(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for line in text.trim_end_matches('\n').split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

struct StrictIf {
    positive: bool,
}

impl HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let value = param(h, name, 0)?;
        let include_zero = h
            .hash_get("includeZero")
            .and_then(|v| v.value().as_bool())
            .unwrap_or(false);
        let truthy = value.is_truthy(include_zero) == self.positive;
        match if truthy { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

fn json(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let v = param(h, "json", 0)?;
    let pretty = h
        .hash_get("pretty")
        .is_some_and(|p| p.value().as_bool() == Some(true));
    let text = if pretty {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    }
    .map_err(RenderErrorReason::SerdeError)?;
    out.write(&text)?;
    Ok(())
}

fn yaml(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let v = param(h, "yaml", 0)?;
    let text = serde_yaml::to_string(v)
        .map_err(|e| RenderErrorReason::Other(format!("cannot write YAML: {e}")))?;
    match hash_usize(h, "indent")? {
        Some(n) => out.write(&indented(&text, n))?,
        None => out.write(text.trim_end_matches('\n'))?,
    }
    Ok(())
}

fn indent(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = string_param(h, "indent", 0)?;
    let n = param(h, "indent", 1)?
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(RenderErrorReason::InvalidParamType("a number"))?;
    out.write(&indented(&text, n))?;
    Ok(())
}

fn quote(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let s = string_param(h, "quote", 0)?;
    out.write(&serde_json::to_string(&s).map_err(RenderErrorReason::SerdeError)?)?;
    Ok(())
}

fn join(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let list = param(h, "join", 0)?
        .as_array()
        .ok_or(RenderErrorReason::InvalidParamType("a list"))?;
    let sep = string_param(h, "join", 1)?;
    let items: Vec<String> = list.iter().map(|v| v.render()).collect();
    out.write(&items.join(&sep))?;
    Ok(())
}

fn lower(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&string_param(h, "lower", 0)?.to_lowercase())?;
    Ok(())
}

fn upper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&string_param(h, "upper", 0)?.to_uppercase())?;
    Ok(())
}

/// A Kubernetes object name (DNS label) for any text.
pub fn to_dns_label(s: &str) -> String {
    let mapped: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed: String = mapped.trim_matches('-').chars().take(63).collect();
    trimmed.trim_end_matches('-').to_string()
}

fn dns_label(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&to_dns_label(&string_param(h, "dns_label", 0)?))?;
    Ok(())
}

/// Part `n` of an ARN: 1 partition … 5 resource; 6 the resource's last `/` part.
pub fn arn_part(arn: &str, n: usize) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None;
    }
    match n {
        1..=5 => parts.get(n).map(|s| s.to_string()),
        _ => {
            let resource = parts[5];
            Some(
                resource
                    .rsplit('/')
                    .next()
                    .filter(|_| resource.contains('/'))
                    .or_else(|| resource.rsplit(':').next())
                    .unwrap_or(resource)
                    .to_string(),
            )
        }
    }
}

struct ArnPart(usize);

impl HelperDef for ArnPart {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let arn = string_param(h, "arn", 0)?;
        let part = arn_part(&arn, self.0)
            .ok_or_else(|| RenderErrorReason::Other(format!("`{arn}` is not an ARN")))?;
        out.write(&part)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let arn = "arn:aws:iam::111122223333:role/eks/payments-checkout";
        assert_eq!(arn_part(arn, 1).as_deref(), Some("aws"));
        assert_eq!(arn_part(arn, 2).as_deref(), Some("iam"));
        assert_eq!(arn_part(arn, 3).as_deref(), Some(""));
        assert_eq!(arn_part(arn, 4).as_deref(), Some("111122223333"));
        assert_eq!(
            arn_part(arn, 5).as_deref(),
            Some("role/eks/payments-checkout")
        );
        assert_eq!(arn_part(arn, 6).as_deref(), Some("payments-checkout"));
        assert_eq!(
            arn_part("arn:aws:sqs:us-west-2:111122223333:orders", 6).as_deref(),
            Some("orders")
        );
        assert_eq!(
            arn_part("arn:aws:secretsmanager:us-west-2:1:secret:db-AbC", 6).as_deref(),
            Some("db-AbC")
        );
        assert_eq!(
            arn_part("arn:aws:s3:::bucket", 6).as_deref(),
            Some("bucket")
        );
        assert_eq!(arn_part("nope", 1), None);
    }

    #[test]
    fn dns_labels() {
        assert_eq!(to_dns_label("Payments_Checkout.v2"), "payments-checkout-v2");
        assert_eq!(to_dns_label(&"a".repeat(70)).len(), 63);
    }

    #[test]
    fn indentation() {
        assert_eq!(indented("a: 1\n\nb: 2\n", 2), "\n  a: 1\n\n  b: 2");
    }
}
