//! What every tracked resource type shares (ARM's resource provider contract):
//! list by subscription and by resource group, filtered to what the caller may
//! read and paged with `nextLink`; and `GET`/`PUT`/`PATCH`/`DELETE` of one
//! resource with RBAC on the stored ID, `If-Match`/`If-None-Match`, and ARM's
//! error envelope. A provider supplies only what its type does differently: how
//! a write is validated and stored, and what a delete leaves behind.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::error::{ArmError, ArmResult};
use super::id::{ResourceId, Scope};
use super::store::{StoredResource, str_ci};
use super::{Ctx, ProviderRoute, list_of_type, resource_response};
use crate::http::Response;
use crate::world::World;

/// A resource type below `/providers/{namespace}/`.
pub struct TrackedType {
    pub namespace: &'static str,
    /// The collection segment, e.g. `vaults`.
    pub type_name: &'static str,
    /// `{namespace}/{type_name}`, what `type` says and actions start with.
    pub full_type: &'static str,
}

/// See [`TrackedType::put_target`].
pub struct PutTarget {
    /// The tenant of the resource's subscription.
    pub tenant: String,
    pub id: String,
    /// The resource's name, spelled as in `id`.
    pub name: String,
}

/// A route [`TrackedType::route`] recognised.
pub enum TrackedRoute {
    /// A list, answered.
    Listed(Response),
    /// `{type}/{name}` in a resource group of a subscription the caller's tenant owns.
    Resource(ResourceId),
}

impl TrackedType {
    pub const fn new(
        namespace: &'static str,
        type_name: &'static str,
        full_type: &'static str,
    ) -> Self {
        TrackedType {
            namespace,
            type_name,
            full_type,
        }
    }

    /// Answers the two lists and names the resource of `{type}/{name}`; `None`
    /// for every other route (the provider's own, or its error), untouched.
    pub fn route(
        &self,
        ctx: &mut Ctx<'_>,
        route: &ProviderRoute,
    ) -> ArmResult<Option<TrackedRoute>> {
        let collection = [self.type_name];
        let resource = [self.type_name, "*"];
        match &route.scope {
            Scope::Subscription { subscription } if route.rest_is(&collection) => {
                let subscription = ctx.subscription(subscription)?;
                let prefix = format!("/subscriptions/{}", subscription.subscription_id);
                list_of_type(ctx, &prefix, self.full_type).map(|r| Some(TrackedRoute::Listed(r)))
            }
            Scope::ResourceGroup {
                subscription,
                group,
            } if route.rest_is(&collection) => {
                ctx.subscription(subscription)?;
                let group_id = ctx.world.arm.group(subscription, group)?.id.clone();
                list_of_type(ctx, &group_id, self.full_type).map(|r| Some(TrackedRoute::Listed(r)))
            }
            Scope::ResourceGroup {
                subscription,
                group,
            } if route.rest_is(&resource) => {
                ctx.subscription(subscription)?;
                Ok(Some(TrackedRoute::Resource(self.resource_id(
                    subscription,
                    group,
                    &route.rest[1],
                ))))
            }
            _ => Ok(None),
        }
    }

    /// The resource of this type named `name` in any subscription, for types
    /// whose names are global (they are DNS names).
    pub fn find_by_name<'w>(&self, world: &'w World, name: &str) -> Option<&'w StoredResource> {
        let suffix = format!("/providers/{}/{}", self.full_type, name).to_ascii_lowercase();
        world
            .arm
            .resources
            .iter()
            .find(|(k, _)| k.ends_with(&suffix))
            .map(|(_, r)| r)
    }

    /// Where a PUT writes: the ID as stored (its letter case) when the resource
    /// exists, else the canonical ID for a create.
    pub fn put_target(
        &self,
        world: &World,
        id: &ResourceId,
        existing: Option<&StoredResource>,
    ) -> ArmResult<PutTarget> {
        let tenant = world.arm.subscription(&id.subscription)?.tenant_id.clone();
        let stored_id = match existing {
            Some(r) => r.id().to_owned(),
            None => world.arm.canonical_id(id, self.namespace, self.type_name)?,
        };
        let name = stored_id.rsplit('/').next().unwrap_or(&id.name).to_owned();
        Ok(PutTarget {
            tenant,
            id: stored_id,
            name,
        })
    }

    pub fn resource_id(&self, subscription: &str, group: &str, name: &str) -> ResourceId {
        ResourceId {
            subscription: subscription.to_owned(),
            group: group.to_owned(),
            namespace: self.namespace.to_owned(),
            resource_type: self.type_name.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// What one tracked type does on writes and deletes; [`handle_resource`] calls
/// these after authorization, the resource group check and preconditions.
pub trait TrackedResource {
    const TYPE: TrackedType;

    /// Validates and stores a create or full replace; `existing` is the stored
    /// resource, if any.
    fn put(
        ctx: &mut Ctx<'_>,
        id: &ResourceId,
        existing: Option<StoredResource>,
        body: &Value,
    ) -> ArmResult<Response>;

    /// Validates and stores a partial update of `existing`.
    fn patch(ctx: &mut Ctx<'_>, existing: StoredResource, body: &Value) -> ArmResult<Response>;

    /// Deletes `existing` (stored at `scope`); by default the resource and its
    /// system-assigned identity go at once.
    fn delete(ctx: &mut Ctx<'_>, scope: &str, existing: StoredResource) -> ArmResult<Response> {
        let _ = existing;
        super::identity::forget_resource(ctx.world, scope);
        ctx.world.arm.remove(scope);
        Ok(Response::empty(StatusCode::OK))
    }
}

/// The answer to `checkNameAvailability` for the body's `name`: refused with
/// `invalid_reason` when `validate` refuses it, `AlreadyExists` with the message
/// `taken` gives when the name is in use, else available.
pub fn name_availability(
    ctx: &Ctx<'_>,
    invalid_reason: &str,
    validate: impl Fn(&str) -> ArmResult<()>,
    taken: impl Fn(&World, &str) -> Option<String>,
) -> ArmResult<Response> {
    let body = ctx.object_body()?;
    let name = str_ci(&body, "name").unwrap_or_default();
    let result = if let Err(e) = validate(name) {
        json!({"nameAvailable": false, "reason": invalid_reason, "message": e.message})
    } else if let Some(message) = taken(ctx.world, name) {
        json!({"nameAvailable": false, "reason": "AlreadyExists", "message": message})
    } else {
        json!({"nameAvailable": true})
    };
    Ok(Response::json(StatusCode::OK, &result))
}

/// 201 for a create, 200 for a replace.
pub fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// `GET`/`PUT`/`PATCH`/`DELETE` of one resource of type `T`.
pub fn handle_resource<T: TrackedResource>(
    ctx: &mut Ctx<'_>,
    id: &ResourceId,
) -> ArmResult<Response> {
    let full_type = T::TYPE.full_type;
    // Authorise on the ID as stored (its letter case), as role assignments name it.
    let scope = ctx
        .world
        .arm
        .resource(&id.to_id())
        .map_or_else(|| id.to_id(), |r| r.id().to_owned());
    match ctx.req.method.clone() {
        Method::GET => {
            ctx.authorize(&format!("{full_type}/read"), &scope)?;
            Ok(resource_response(
                StatusCode::OK,
                ctx.world.arm.existing(id)?,
            ))
        }
        Method::PUT => {
            ctx.authorize(&format!("{full_type}/write"), &scope)?;
            ctx.world.arm.group(&id.subscription, &id.group)?;
            let existing = ctx.world.arm.resource(&scope).cloned();
            ctx.check_preconditions(existing.as_ref())?;
            let body = ctx.object_body()?;
            T::put(ctx, id, existing, &body)
        }
        Method::PATCH => {
            ctx.authorize(&format!("{full_type}/write"), &scope)?;
            let existing = ctx.world.arm.existing(id)?.clone();
            ctx.check_preconditions(Some(&existing))?;
            let body = ctx.object_body()?;
            T::patch(ctx, existing, &body)
        }
        Method::DELETE => {
            ctx.authorize(&format!("{full_type}/delete"), &scope)?;
            ctx.world.arm.group(&id.subscription, &id.group)?;
            let existing = ctx.world.arm.resource(&scope).cloned();
            ctx.check_preconditions(existing.as_ref())?;
            match existing {
                None => Ok(Response::empty(StatusCode::NO_CONTENT)),
                Some(existing) => T::delete(ctx, &scope, existing),
            }
        }
        other => Err(ArmError::method_not_allowed(other.as_str(), &ctx.req.path)),
    }
}
