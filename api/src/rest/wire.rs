//! What the wire types of every resource share: the shape of a write body
//! that admin UIs may send back whole, and the check that each `*_FIELDS`
//! list (for `fields=`) names exactly the fields of its type.

/// Declares a write body: the given fields, plus the read-only fields of a
/// record read earlier, which are accepted and ignored (so an admin UI can
/// send the whole record back); any other unknown field is a 400.
macro_rules! writable {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($fields:tt)*
        }
        read_only { $($read_only:ident),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($fields)*
            $(
                #[serde(default)]
                #[schema(ignore)]
                #[allow(dead_code, reason = "read-only: accepted and ignored")]
                $read_only: Option<serde::de::IgnoredAny>,
            )*
        }
    };
}

pub(crate) use writable;

#[cfg(test)]
pub(crate) mod check {
    use std::collections::BTreeSet;

    use utoipa::openapi::{RefOr, Schema};

    /// The property names of `T`'s schema.
    pub fn properties<T: utoipa::PartialSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    /// Fails unless `fields` names exactly the properties of `T`.
    pub fn fields_match<T: utoipa::PartialSchema>(fields: &[&str]) {
        let listed: BTreeSet<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        assert_eq!(listed.len(), fields.len(), "a field is listed twice");
        assert_eq!(listed, properties::<T>());
    }
}
