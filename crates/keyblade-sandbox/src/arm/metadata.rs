//! `GET /metadata/endpoints`: the cloud description `az cloud register
//! --endpoint-resource-manager https://localhost:P` and the Azure SDKs read.
//!
//! Shapes by `api-version`, as Azure serves them:
//! - `2022-09-01` and later: one object (`name`, `resourceManager`,
//!   `authentication{loginEndpoint,audiences,tenant,identityProvider}`,
//!   `suffixes{keyVaultDns,…}`, …), which `az cloud register` maps with
//!   `_arm_to_cli_mapper`;
//! - `2019-05-01` up to `2022-09-01`: an array of such objects (one cloud here);
//! - older (`2015-01-01`): the legacy object (`galleryEndpoint`,
//!   `graphEndpoint`, `portalEndpoint`, `authentication`).

use http::StatusCode;
use serde_json::{Value, json};

use super::error::ArmError;
use crate::http::{Request, Response};
use crate::world::World;

pub const CLOUD_NAME: &str = "KeybladeSandbox";

pub fn endpoints(world: &World, req: &Request) -> Response {
    let Some(version) = req.query_param("api-version") else {
        return ArmError::missing_api_version().into_response();
    };
    let version = version.trim();
    if version.len() < 10 || !version.is_char_boundary(10) {
        return ArmError::invalid_api_version(version).into_response();
    }
    let date = &version[..10];
    let body = if date >= "2022-09-01" {
        cloud(world)
    } else if date >= "2019-05-01" {
        Value::Array(vec![cloud(world)])
    } else {
        legacy(world)
    };
    Response::json(StatusCode::OK, &body)
}

fn audiences() -> Value {
    json!([
        "https://management.core.windows.net/",
        "https://management.azure.com/"
    ])
}

fn cloud(world: &World) -> Value {
    let arm = world.endpoints.arm();
    let port = world.endpoints.port;
    json!({
        "portal": arm,
        "authentication": {
            "loginEndpoint": world.endpoints.login(),
            "audiences": audiences(),
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "media": format!("{arm}/"),
        "graphAudience": format!("{arm}/"),
        "graph": format!("{arm}/"),
        "name": CLOUD_NAME,
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": world.endpoints.vault_suffix(),
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": format!("managedhsm.localhost:{port}"),
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net"
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": format!("{arm}/"),
        "vmImageAliasDoc": format!("{arm}/vmImageAliasDoc"),
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": format!("{arm}/"),
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net"
    })
}

fn legacy(world: &World) -> Value {
    let arm = world.endpoints.arm();
    json!({
        "galleryEndpoint": format!("{arm}/"),
        "graphEndpoint": format!("{arm}/"),
        "portalEndpoint": format!("{arm}/"),
        "authentication": {
            "loginEndpoint": world.endpoints.login(),
            "audiences": audiences()
        }
    })
}
