//! Azure Resource Graph: one query over every subscription at once, for Home.
//!
//! `POST /providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01` with the
//! subscriptions to search, the query, and `options.$top` / `options.$skipToken` for paging.
//! Home reads the encryption of every resource keyblade manages from one query
//! ([`ENCRYPTED_RESOURCES_QUERY`]) instead of a GET per resource: the graph row carries the
//! resource's properties, so Resource Manager is asked once per page, not once per resource.

use serde_json::{Value, json};

use crate::error::AzureError;

use super::Arm;

/// The `api-version` of Resource Graph's `resources` query.
pub const RESOURCE_GRAPH_API_VERSION: &str = "2022-10-01";

/// How many rows a page holds: Resource Graph's largest page.
pub const PAGE_SIZE: u32 = 1000;

/// The one query Home runs: every container registry, storage account and Cognitive Services
/// account, with what the Encryption path reads from each (identity, encryption,
/// provisioning state), ordered by name and ID so that pages are stable.
///
/// The projection keeps `properties.encryption` whole: each kind spells its key differently
/// (`keyVaultProperties.keyIdentifier`, `keyvaultproperties.keyname`, ...), and
/// keyblade-azure's per-kind readers, the same ones the Encryption blade uses, read it.
pub const ENCRYPTED_RESOURCES_QUERY: &str = "Resources
| where type in~ ('microsoft.containerregistry/registries', 'microsoft.storage/storageaccounts', 'microsoft.cognitiveservices/accounts')
| project id, name, type, kind, location, resourceGroup, subscriptionId, tenantId, sku, identity, encryption = properties.encryption, provisioningState = properties.provisioningState
| order by name asc, id asc";

/// One page of a Resource Graph query.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPage {
    /// The rows, as objects (`resultFormat: objectArray`).
    pub rows: Vec<Value>,
    /// The token of the next page; `None` on the last.
    pub skip_token: Option<String>,
    /// How many rows the whole query has, when Resource Graph says.
    pub total_records: Option<u64>,
}

impl Arm {
    /// Runs `query` over `subscriptions` and returns the page after `skip_token` (the first
    /// page without one), at most `top` rows.
    pub async fn resource_graph_page(
        &self,
        query: &str,
        subscriptions: &[String],
        top: u32,
        skip_token: Option<&str>,
    ) -> Result<GraphPage, AzureError> {
        let url = self.resource_url(
            "/providers/Microsoft.ResourceGraph/resources",
            RESOURCE_GRAPH_API_VERSION,
        )?;
        let mut options = json!({ "$top": top, "resultFormat": "objectArray" });
        if let Some(token) = skip_token {
            options["$skipToken"] = Value::String(token.to_owned());
        }
        let body = json!({
            "subscriptions": subscriptions,
            "query": query,
            "options": options,
        });
        let body = serde_json::to_vec(&body)
            .map_err(|e| AzureError::Other(format!("could not encode the query: {e}")))?;
        let raw = self
            .send_raw(azure_core_legacy::Method::Post, url, Some(body), &[])
            .await?;
        page_from(&raw.json())
    }
}

/// A registry from its JSON (a graph row made into the shape of the registry's GET), read by
/// the same conversion as [`Arm::get_registry`].
pub(crate) fn registry_from_json(value: Value) -> Result<super::model::Registry, AzureError> {
    let sdk: super::acr::models::Registry = serde_json::from_value(value)
        .map_err(|e| super::json_error("a registry in Resource Graph", e))?;
    super::model::registry_from(sdk, None)
}

fn page_from(answer: &Value) -> Result<GraphPage, AzureError> {
    let invalid = |reason: &str| AzureError::InvalidResponse {
        what: "Resource Graph's answer".to_owned(),
        reason: reason.to_owned(),
    };
    let rows = match &answer["data"] {
        Value::Array(rows) => rows.clone(),
        // `resultFormat: table` (older API versions answer in it whatever was asked).
        Value::Object(table) => {
            rows_of_table(table).ok_or_else(|| invalid("its table is malformed"))?
        }
        _ => return Err(invalid("it has no data")),
    };
    let skip_token = answer["$skipToken"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(GraphPage {
        rows,
        skip_token,
        total_records: answer["totalRecords"].as_u64(),
    })
}

fn rows_of_table(table: &serde_json::Map<String, Value>) -> Option<Vec<Value>> {
    let columns: Vec<&str> = table
        .get("columns")?
        .as_array()?
        .iter()
        .map(|c| c["name"].as_str())
        .collect::<Option<_>>()?;
    table
        .get("rows")?
        .as_array()?
        .iter()
        .map(|row| {
            let cells = row.as_array()?;
            Some(Value::Object(
                columns
                    .iter()
                    .zip(cells)
                    .map(|(name, cell)| ((*name).to_owned(), cell.clone()))
                    .collect(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_come_as_object_arrays_or_tables() {
        let objects = page_from(&json!({
            "totalRecords": 3, "count": 1, "data": [{"id": "a"}], "$skipToken": "t"
        }))
        .unwrap();
        assert_eq!(objects.rows, vec![json!({"id": "a"})]);
        assert_eq!(objects.skip_token.as_deref(), Some("t"));
        assert_eq!(objects.total_records, Some(3));
        let table = page_from(&json!({
            "data": {"columns": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}],
                     "rows": [["a", "x"], ["b", "y"]]}
        }))
        .unwrap();
        assert_eq!(table.rows[1], json!({"id": "b", "name": "y"}));
        assert_eq!(table.skip_token, None);
        assert!(page_from(&json!({"error": {}})).is_err());
    }
}
