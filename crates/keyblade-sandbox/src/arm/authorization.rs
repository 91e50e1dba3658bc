//! `Microsoft.Authorization` at any scope: role assignments (create, get,
//! delete, list with `$filter`), built-in role definitions, and `permissions`.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope, key, parse_guid, scope_covers};
use super::store::{get_ci, str_ci};
use super::{Ctx, ProviderRoute};
use crate::http::{PrincipalKind, Response};
use crate::rbac::{BUILT_IN_ROLES, RoleAssignment, built_in_role};
use crate::world::World;

pub fn handle(ctx: &mut Ctx<'_>, route: &ProviderRoute) -> ArmResult<Response> {
    let scope = canonical_scope(ctx, &route.scope)?;
    if route.rest_is(&["roleAssignments"]) {
        list_assignments(ctx, &scope)
    } else if route.rest_is(&["roleAssignments", "*"]) {
        assignment(ctx, &scope, &route.rest[1])
    } else if route.rest_is(&["roleDefinitions"]) {
        list_definitions(ctx, &scope)
    } else if route.rest_is(&["roleDefinitions", "*"]) {
        definition(ctx, &scope, &route.rest[1])
    } else if route.rest_is(&["permissions"]) {
        ctx.require_method(Method::GET)?;
        Ok(Response::json(
            StatusCode::OK,
            &crate::rbac::permissions_json(ctx.world, &ctx.caller.object_id, &scope),
        ))
    } else {
        Err(ArmError::invalid_resource_type(
            &route.namespace,
            &route.rest.join("/"),
            &ctx.api_version,
        ))
    }
}

/// The scope as Azure spells it (`/` for the root), checked to exist.
fn canonical_scope(ctx: &Ctx<'_>, scope: &Scope) -> ArmResult<String> {
    match scope {
        Scope::Root => Ok("/".to_owned()),
        Scope::Subscription { subscription } => Ok(format!(
            "/subscriptions/{}",
            ctx.subscription(subscription)?.subscription_id
        )),
        Scope::ResourceGroup {
            subscription,
            group,
        } => {
            ctx.subscription(subscription)?;
            Ok(ctx.world.arm.group(subscription, group)?.id.clone())
        }
        Scope::Resource {
            subscription,
            group,
            namespace,
            types_names,
        } => {
            ctx.subscription(subscription)?;
            let (resource_type, name) = types_names.first().cloned().ok_or_else(|| {
                ArmError::bad_request("InvalidResourceId", "empty resource scope")
            })?;
            let top = ResourceId {
                subscription: subscription.clone(),
                group: group.clone(),
                namespace: namespace.clone(),
                resource_type,
                name,
            };
            let mut path = ctx.world.arm.existing(&top)?.id().to_owned();
            for (t, n) in &types_names[1..] {
                path.push('/');
                path.push_str(t);
                path.push('/');
                path.push_str(n);
            }
            Ok(path)
        }
    }
}

enum AssignmentFilter {
    All,
    AtScope,
    Principal(String),
    AssignedTo(String),
}

fn parse_filter(text: &str) -> ArmResult<(bool, AssignmentFilter)> {
    let mut at_scope = false;
    let mut filter = AssignmentFilter::All;
    for clause in text.split(" and ").map(str::trim).filter(|c| !c.is_empty()) {
        let lower = clause.to_ascii_lowercase();
        if lower == "atscope()" {
            at_scope = true;
        } else if let Some(rest) = lower.strip_prefix("principalid eq ") {
            filter = AssignmentFilter::Principal(rest.trim_matches('\'').to_owned());
        } else if let Some(rest) = lower.strip_prefix("assignedto(") {
            filter = AssignmentFilter::AssignedTo(
                rest.trim_end_matches(')').trim_matches('\'').to_owned(),
            );
        } else {
            return Err(ArmError::bad_request(
                "UnsupportedQuery",
                format!(
                    "The $filter clause '{clause}' is not supported. Use atScope(), principalId eq '{{id}}' or \
                     assignedTo('{{id}}'), joined by 'and'."
                ),
            ));
        }
    }
    if at_scope && matches!(filter, AssignmentFilter::All) {
        filter = AssignmentFilter::AtScope;
    }
    Ok((at_scope, filter))
}

fn list_assignments(ctx: &mut Ctx<'_>, scope: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    ctx.authorize("Microsoft.Authorization/roleAssignments/read", scope)?;
    let (at_scope, filter) = match ctx.req.query_param("$filter") {
        Some(text) => parse_filter(text)?,
        None => (false, AssignmentFilter::All),
    };
    let groups_of = |principal: &str| -> Vec<String> {
        let mut ids = vec![principal.to_ascii_lowercase()];
        ids.extend(
            ctx.world
                .directory
                .groups_of(principal)
                .into_iter()
                .map(str::to_ascii_lowercase),
        );
        ids
    };
    let principals: Option<Vec<String>> = match &filter {
        AssignmentFilter::Principal(p) => Some(vec![p.clone()]),
        AssignmentFilter::AssignedTo(p) => Some(groups_of(p)),
        _ => None,
    };
    let items: Vec<Value> = ctx
        .world
        .arm
        .role_assignments
        .values()
        .filter(|a| {
            let above = scope_covers(&a.scope, scope);
            let below = scope_covers(scope, &a.scope);
            if at_scope { above } else { above || below }
        })
        .filter(|a| {
            principals
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| a.principal_id.eq_ignore_ascii_case(p)))
        })
        .map(RoleAssignment::to_json)
        .collect();
    ctx.page(items)
}

fn assignment(ctx: &mut Ctx<'_>, scope: &str, name: &str) -> ArmResult<Response> {
    let id = assignment_id(scope, name);
    match ctx.req.method.clone() {
        Method::GET => {
            ctx.authorize("Microsoft.Authorization/roleAssignments/read", scope)?;
            let assignment = ctx
                .world
                .arm
                .role_assignments
                .get(&key(&id))
                .ok_or_else(|| {
                    ArmError::new(
                        StatusCode::NOT_FOUND,
                        "RoleAssignmentNotFound",
                        format!("The role assignment '{name}' is not found."),
                    )
                })?;
            Ok(Response::json(StatusCode::OK, &assignment.to_json()))
        }
        Method::PUT => {
            ctx.authorize("Microsoft.Authorization/roleAssignments/write", scope)?;
            let body = ctx.object_body()?;
            let properties = get_ci(&body, "properties")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let now = ctx.timestamp();
            let (assignment, created) = create_assignment(
                ctx.world,
                scope,
                name,
                str_ci(&properties, "roleDefinitionId").unwrap_or_default(),
                str_ci(&properties, "principalId").unwrap_or_default(),
                str_ci(&properties, "principalType"),
                str_ci(&properties, "description"),
                &now,
                Some(&ctx.caller.object_id),
            )?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(Response::json(status, &assignment.to_json()))
        }
        Method::DELETE => {
            ctx.authorize("Microsoft.Authorization/roleAssignments/delete", scope)?;
            match ctx.world.arm.role_assignments.remove(&key(&id)) {
                Some(removed) => Ok(Response::json(StatusCode::OK, &removed.to_json())),
                None => Ok(Response::empty(StatusCode::NO_CONTENT)),
            }
        }
        other => Err(ArmError::method_not_allowed(other.as_str(), &ctx.req.path)),
    }
}

fn assignment_id(scope: &str, name: &str) -> String {
    let scope = if scope == "/" { "" } else { scope };
    format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")
}

/// Creates a role assignment with Azure's validation. `principal_type` may be
/// omitted when the principal is in the directory.
#[allow(clippy::too_many_arguments)]
pub fn create_assignment(
    world: &mut World,
    scope: &str,
    name: &str,
    role_definition_id: &str,
    principal_id: &str,
    principal_type: Option<&str>,
    description: Option<&str>,
    now: &str,
    created_by: Option<&str>,
) -> ArmResult<(RoleAssignment, bool)> {
    let name = parse_guid(name).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidRoleAssignmentId",
            format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
        )
    })?;
    let role = built_in_role(role_definition_id)
        .filter(|_| role_definition_id.contains('/') || parse_guid(role_definition_id).is_some())
        .ok_or_else(|| {
            ArmError::bad_request(
                "RoleDefinitionDoesNotExist",
                format!(
                    "The specified role definition with ID '{role_definition_id}' does not exist."
                ),
            )
        })?;
    let principal_id = parse_guid(principal_id).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidPrincipalId",
            format!("The principal ID '{principal_id}' is not valid. It must be the object ID (a GUID) of a user, group or service principal."),
        )
    })?;
    let tenant = Scope::parse_str(scope)
        .and_then(|s| s.subscription().map(str::to_owned))
        .and_then(|sub| {
            world
                .arm
                .subscription(&sub)
                .ok()
                .map(|s| s.tenant_id.clone())
        })
        .unwrap_or_default();
    let principal_type = match principal_type {
        Some(t) => t.to_owned(),
        None => {
            if world
                .directory
                .groups
                .iter()
                .any(|g| g.object_id.eq_ignore_ascii_case(&principal_id))
            {
                "Group".to_owned()
            } else {
                match world.directory.principal(&principal_id).map(|p| p.kind) {
                    Some(PrincipalKind::User) => "User".to_owned(),
                    Some(PrincipalKind::ServicePrincipal) => "ServicePrincipal".to_owned(),
                    None => {
                        return Err(ArmError::bad_request(
                            "PrincipalNotFound",
                            format!(
                                "Principal {} does not exist in the directory {tenant}. Check that you have the correct \
                                 principal ID. If you are creating this principal and then immediately assigning a role, \
                                 this error might be related to a replication delay. In this case, set the role assignment \
                                 principalType property to a value, such as ServicePrincipal, User, or Group. See \
                                 https://aka.ms/docs-principaltype",
                                principal_id.replace('-', "")
                            ),
                        ));
                    }
                }
            }
        }
    };
    let stored_role_id =
        match Scope::parse_str(scope).and_then(|s| s.subscription().map(str::to_owned)) {
            Some(sub) => format!(
                "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{}",
                role.id
            ),
            None => format!(
                "/providers/Microsoft.Authorization/roleDefinitions/{}",
                role.id
            ),
        };
    let id = assignment_id(scope, &name);
    if let Some(existing) = world.arm.role_assignments.get(&key(&id)) {
        if existing.principal_id.eq_ignore_ascii_case(&principal_id)
            && existing.role_guid().eq_ignore_ascii_case(role.id)
        {
            return Ok((existing.clone(), false));
        }
        return Err(ArmError::conflict(
            "RoleAssignmentUpdateNotPermitted",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        ));
    }
    let duplicate = world.arm.role_assignments.values().any(|a| {
        a.principal_id.eq_ignore_ascii_case(&principal_id)
            && a.role_guid().eq_ignore_ascii_case(role.id)
            && key(&a.scope) == key(scope)
    });
    if duplicate {
        return Err(ArmError::conflict(
            "RoleAssignmentExists",
            "The role assignment already exists.",
        ));
    }
    let assignment = RoleAssignment {
        id: id.clone(),
        name,
        scope: scope.to_owned(),
        role_definition_id: stored_role_id,
        principal_id,
        principal_type,
        description: description.map(str::to_owned),
        created_on: now.to_owned(),
        updated_on: now.to_owned(),
        created_by: created_by.map(str::to_owned),
        effective_at: crate::propagation::new_grant_effective_at(world),
    };
    world
        .arm
        .role_assignments
        .insert(key(&id), assignment.clone());
    Ok((assignment, true))
}

fn list_definitions(ctx: &mut Ctx<'_>, scope: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let filter = ctx.req.query_param("$filter").map(str::to_owned);
    let wanted_name = filter.as_deref().and_then(|f| {
        let lower = f.to_ascii_lowercase();
        lower.find("rolename eq '").map(|at| {
            f[at + "rolename eq '".len()..]
                .trim_end_matches('\'')
                .to_owned()
        })
    });
    if let Some(f) = &filter {
        let lower = f.to_ascii_lowercase();
        if wanted_name.is_none() && !lower.starts_with("type eq ") {
            return Err(ArmError::bad_request(
                "UnsupportedQuery",
                format!(
                    "The $filter '{f}' is not supported. Use roleName eq '{{name}}' or type eq 'BuiltInRole'."
                ),
            ));
        }
        if lower.starts_with("type eq ") && !lower.contains("builtinrole") {
            return Ok(ctx.list(Vec::new()));
        }
    }
    let scope_path = if scope == "/" { "" } else { scope };
    let items = BUILT_IN_ROLES
        .iter()
        .filter(|r| {
            wanted_name
                .as_ref()
                .is_none_or(|n| r.role_name.eq_ignore_ascii_case(n))
        })
        .map(|r| r.to_json(scope_path))
        .collect();
    Ok(ctx.list(items))
}

fn definition(ctx: &mut Ctx<'_>, scope: &str, guid: &str) -> ArmResult<Response> {
    ctx.require_method(Method::GET)?;
    let role = built_in_role(guid)
        .filter(|_| parse_guid(guid).is_some())
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::NOT_FOUND,
                "RoleDefinitionDoesNotExist",
                format!("The specified role definition with ID '{guid}' does not exist."),
            )
        })?;
    let scope_path = if scope == "/" { "" } else { scope };
    Ok(Response::json(StatusCode::OK, &role.to_json(scope_path)))
}
