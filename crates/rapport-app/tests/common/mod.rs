//! What the app's test suites share.

use rapport_core::*;

/// A friendship with `person`, with the visibility and owner given: the cases of who
/// may see a relationship.
pub fn friendship(
    meta: Meta,
    person: &Person,
    visibility: Visibility,
    owner: Option<&Id>,
) -> Relationship {
    let mut rel = Relationship::new(
        meta,
        Subject {
            kind: SubjectKind::Person,
            id: person.meta.id.clone(),
        },
        RelationshipKind::Friend,
    );
    rel.visibility = visibility;
    rel.owner_id = owner.cloned();
    rel
}
