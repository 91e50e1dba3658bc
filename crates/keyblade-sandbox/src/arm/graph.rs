//! `POST /providers/Microsoft.ResourceGraph/resources`: Azure Resource Graph
//! over the sandbox's resources, with the Kusto subset in [`super::kql`].
//! Rows are what Resource Graph shows (lower-cased `type` and `resourceGroup`,
//! the provider's `properties`), limited to subscriptions and resources the
//! caller may read. Paging follows the spec: `options.$top` (default 100, at
//! most 1000), `$skip`, and `$skipToken` from the previous page.

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::error::{ArmError, ArmResult};
use super::id::Scope;
use super::kql::{self, Row, Table};
use super::store::{get_ci, str_ci};
use super::{Ctx, ProviderRoute};
use crate::http::Response;

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    if !(matches!(route.scope, Scope::Root) && route.rest_is(&["resources"])) {
        return Err(ArmError::invalid_resource_type(
            &route.namespace,
            &route.rest.join("/"),
            &ctx.api_version,
        ));
    }
    ctx.require_method(Method::POST)?;
    let body = ctx.object_body()?;
    let query_text = str_ci(&body, "query")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ArmError::bad_request("BadRequest", "The request needs a 'query'."))?;
    if get_ci(&body, "facets")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
    {
        return Err(invalid_query(
            "facets are not supported by the sandbox's Resource Graph",
            0,
        ));
    }
    let options = get_ci(&body, "options")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let top = match get_ci(&options, "$top") {
        None | Some(Value::Null) => 100,
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ArmError::bad_request(
                    "BadRequest",
                    "options.$top must be a whole number from 1 to 1000.",
                )
            })? as usize,
    };
    let skip = match str_ci(&options, "$skipToken") {
        Some(token) => decode_skip_token(token)?,
        None => get_ci(&options, "$skip")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize,
    };
    let table_format =
        str_ci(&options, "resultFormat").is_some_and(|f| f.eq_ignore_ascii_case("table"));
    let query = kql::parse(query_text).map_err(|e| invalid_query(&e.message, e.position))?;
    let wanted: Option<Vec<String>> = get_ci(&body, "subscriptions")
        .and_then(Value::as_array)
        .map(|subs| {
            subs.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        });
    let rows = match query.table {
        Table::Resources => resource_rows(ctx, wanted.as_deref()),
        Table::ResourceContainers => container_rows(ctx, wanted.as_deref()),
    };
    let output =
        kql::run(&query, rows, COLUMNS).map_err(|e| invalid_query(&e.message, e.position))?;
    let total = output.rows.len();
    let page: Vec<Row> = output.rows.into_iter().skip(skip).take(top).collect();
    let count = page.len();
    let data = if table_format {
        as_table(&output.columns, &page)
    } else {
        Value::Array(page.into_iter().map(Value::Object).collect())
    };
    let mut response = json!({
        "totalRecords": total,
        "count": count,
        "resultTruncated": "false",
        "facets": [],
        "data": data,
    });
    if skip + count < total {
        response["$skipToken"] = Value::String(encode_skip_token(skip + count));
    }
    Ok(Response::json(StatusCode::OK, &response))
}

/// The columns of Resource Graph's `Resources` table, in its order.
const COLUMNS: &[&str] = &[
    "id",
    "name",
    "type",
    "tenantId",
    "kind",
    "location",
    "resourceGroup",
    "subscriptionId",
    "managedBy",
    "sku",
    "plan",
    "properties",
    "tags",
    "identity",
    "zones",
    "extendedLocation",
];

fn invalid_query(message: &str, position: usize) -> ArmError {
    let mut error = ArmError::bad_request(
        "BadRequest",
        format!(
            "The query is outside the Kusto subset the sandbox's Resource Graph serves: {message}. See the sandbox \
             README (\"Resource Graph\") for what is supported."
        ),
    );
    error.details = vec![
        json!({
            "code": "InvalidQuery",
            "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."
        }),
        json!({
            "code": "ParserFailure",
            "message": message,
            "line": 1,
            "characterPositionInLine": position,
        }),
    ];
    error
}

fn encode_skip_token(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{{\"offset\":{offset}}}"))
}

fn decode_skip_token(token: &str) -> ArmResult<usize> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|v| v.get("offset").and_then(Value::as_u64))
        .map(|n| n as usize)
        .ok_or_else(|| {
            ArmError::bad_request(
                "BadRequest",
                "The $skipToken is not one this service issued. Run the query again without it.",
            )
        })
}

/// Subscriptions the caller may see, optionally narrowed to those the request names.
fn visible_subscriptions(ctx: &Ctx<'_>, wanted: Option<&[String]>) -> Vec<(String, String)> {
    ctx.world
        .arm
        .subscriptions
        .values()
        .filter(|s| s.tenant_id.eq_ignore_ascii_case(&ctx.caller.tenant_id))
        .filter(|s| {
            wanted.is_none_or(|w| {
                w.iter()
                    .any(|id| id.eq_ignore_ascii_case(&s.subscription_id))
            })
        })
        .filter(|s| {
            crate::rbac::has_any_access_within(
                ctx.world,
                &ctx.caller.object_id,
                &format!("/subscriptions/{}", s.subscription_id),
            )
        })
        .map(|s| (s.subscription_id.clone(), s.tenant_id.clone()))
        .collect()
}

fn resource_rows(ctx: &Ctx<'_>, wanted: Option<&[String]>) -> Vec<Row> {
    let mut rows = Vec::new();
    for (subscription, tenant) in visible_subscriptions(ctx, wanted) {
        for resource in ctx
            .world
            .arm
            .resources_under(&format!("/subscriptions/{subscription}"), None)
        {
            if !ctx.can(&format!("{}/read", resource.resource_type()), resource.id()) {
                continue;
            }
            let body = &resource.body;
            let group = Scope::parse_str(resource.id())
                .and_then(|s| s.group().map(str::to_ascii_lowercase))
                .unwrap_or_default();
            let field = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
            let mut row = Map::new();
            row.insert("id".to_owned(), field("id"));
            row.insert("name".to_owned(), field("name"));
            row.insert(
                "type".to_owned(),
                Value::String(resource.resource_type().to_ascii_lowercase()),
            );
            row.insert("tenantId".to_owned(), Value::String(tenant.clone()));
            row.insert(
                "kind".to_owned(),
                body.get("kind")
                    .cloned()
                    .unwrap_or(Value::String(String::new())),
            );
            row.insert("location".to_owned(), field("location"));
            row.insert("resourceGroup".to_owned(), Value::String(group));
            row.insert(
                "subscriptionId".to_owned(),
                Value::String(subscription.clone()),
            );
            row.insert("managedBy".to_owned(), Value::String(String::new()));
            row.insert("sku".to_owned(), field("sku"));
            row.insert("plan".to_owned(), Value::Null);
            row.insert(
                "properties".to_owned(),
                body.get("properties").cloned().unwrap_or_else(|| json!({})),
            );
            row.insert(
                "tags".to_owned(),
                body.get("tags").cloned().unwrap_or_else(|| json!({})),
            );
            row.insert("identity".to_owned(), field("identity"));
            row.insert("zones".to_owned(), Value::Null);
            row.insert("extendedLocation".to_owned(), Value::Null);
            rows.push(row);
        }
    }
    rows
}

fn container_rows(ctx: &Ctx<'_>, wanted: Option<&[String]>) -> Vec<Row> {
    let mut rows = Vec::new();
    for (subscription, tenant) in visible_subscriptions(ctx, wanted) {
        let Ok(sub) = ctx.world.arm.subscription(&subscription) else {
            continue;
        };
        let sub_json = sub.to_json();
        let mut row = Map::new();
        row.insert(
            "id".to_owned(),
            json!(format!("/subscriptions/{subscription}")),
        );
        row.insert("name".to_owned(), json!(sub.display_name));
        row.insert(
            "type".to_owned(),
            json!("microsoft.resources/subscriptions"),
        );
        row.insert("tenantId".to_owned(), json!(tenant));
        row.insert("location".to_owned(), json!(""));
        row.insert("resourceGroup".to_owned(), json!(""));
        row.insert("subscriptionId".to_owned(), json!(subscription));
        row.insert(
            "properties".to_owned(),
            json!({"state": sub.state, "subscriptionPolicies": sub_json["subscriptionPolicies"]}),
        );
        row.insert("tags".to_owned(), json!({}));
        rows.push(row);
        let prefix = format!(
            "/subscriptions/{}/resourcegroups/",
            subscription.to_ascii_lowercase()
        );
        for (_, group) in ctx
            .world
            .arm
            .resource_groups
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
        {
            if !ctx.can(super::resources::GROUP_READ, &group.id) {
                continue;
            }
            let mut row = Map::new();
            row.insert("id".to_owned(), json!(group.id));
            row.insert("name".to_owned(), json!(group.name));
            row.insert(
                "type".to_owned(),
                json!("microsoft.resources/subscriptions/resourcegroups"),
            );
            row.insert("tenantId".to_owned(), json!(tenant));
            row.insert("location".to_owned(), json!(group.location));
            row.insert(
                "resourceGroup".to_owned(),
                json!(group.name.to_ascii_lowercase()),
            );
            row.insert("subscriptionId".to_owned(), json!(subscription));
            row.insert(
                "properties".to_owned(),
                json!({"provisioningState": "Succeeded"}),
            );
            row.insert("tags".to_owned(), Value::Object(group.tags.clone()));
            rows.push(row);
        }
    }
    rows
}

/// `resultFormat: table`: columns with Kusto types, and rows of values.
fn as_table(order: &[String], rows: &[Row]) -> Value {
    let mut columns: Vec<String> = order.to_vec();
    for row in rows {
        for name in row.keys() {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    let column_types: Vec<Value> = columns
        .iter()
        .map(|name| {
            let kind = rows
                .iter()
                .filter_map(|r| r.get(name))
                .find(|v| !v.is_null())
                .map_or("string", |v| match v {
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                    Value::Number(_) => "real",
                    Value::Object(_) | Value::Array(_) => "object",
                    _ => "string",
                });
            json!({"name": name, "type": kind})
        })
        .collect();
    let table_rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Array(
                columns
                    .iter()
                    .map(|c| r.get(c).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect();
    json!({"columns": column_types, "rows": table_rows})
}
