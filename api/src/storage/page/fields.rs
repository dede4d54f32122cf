//! [`sort_fields!`]: a sortable type written as its table of fields — the
//! name in `sort=`, the column, and how the column's values read in a
//! cursor — instead of four hand-written matches over the same variants.

/// Declares the fields a list can be sorted by, and their [`SortField`]
/// implementation:
///
/// ```text
/// sort_fields! {
///     /// Fields articles can be sorted by.
///     pub enum ArticleSort for article (id Id) {
///         Id = "id": Id(id) as Id,
///         PublishedAt = "published_at": PublishedAt(published_at) as OptionalTime,
///     }
/// }
/// ```
///
/// A field reads as `Id` (a UUID), `Text` (anything shown as text), `Time`,
/// `OptionalTime` (nullable; sorted last either way) or `Int`.
///
/// [`SortField`]: super::SortField
macro_rules! sort_fields {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident for $entity:ident (id $id:ident) {
            $( $variant:ident = $wire:literal : $column:ident ($field:ident) as $kind:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $variant, )+
        }

        impl $crate::storage::page::SortField for $name {
            type Entity = entities::$entity::Entity;
            const ALL: &'static [Self] = &[$( Self::$variant ),+];
            const ID: Self = Self::$id;

            fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $wire, )+
                }
            }

            fn column(self) -> entities::$entity::Column {
                match self {
                    $( Self::$variant => entities::$entity::Column::$column, )+
                }
            }

            fn kind(self) -> $crate::storage::page::KeyKind {
                match self {
                    $( Self::$variant => $crate::storage::page::sort_fields!(@kind $kind), )+
                }
            }

            fn nullable(self) -> bool {
                match self {
                    $( Self::$variant => $crate::storage::page::sort_fields!(@nullable $kind), )+
                }
            }

            fn value_of(self, row: &entities::$entity::Model) -> $crate::storage::page::KeyValue {
                match self {
                    $( Self::$variant => $crate::storage::page::sort_fields!(@value $kind, row.$field), )+
                }
            }
        }
    };
    (@kind Id) => { $crate::storage::page::KeyKind::Id };
    (@kind Text) => { $crate::storage::page::KeyKind::Text };
    (@kind Time) => { $crate::storage::page::KeyKind::Time };
    (@kind OptionalTime) => { $crate::storage::page::KeyKind::Time };
    (@kind Int) => { $crate::storage::page::KeyKind::Int };
    (@nullable OptionalTime) => { true };
    (@nullable $other:ident) => { false };
    (@value Id, $value:expr) => { $crate::storage::page::KeyValue::Text($value.to_string()) };
    (@value Text, $value:expr) => { $crate::storage::page::KeyValue::Text($value.to_string()) };
    (@value Time, $value:expr) => { $crate::storage::page::time_key(Some($value)) };
    (@value OptionalTime, $value:expr) => { $crate::storage::page::time_key($value) };
    (@value Int, $value:expr) => { $crate::storage::page::KeyValue::Int(i64::from($value)) };
}

pub(crate) use sort_fields;
