"""Small fixed word lists: names, streets, note and task wording. Faker would do, but these
keep the seed fast and its output stable whatever Faker's version."""

from django.utils.translation import gettext_lazy, ngettext_lazy

from omni import stored_text

FIRST_NAMES = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
    "Abigail", "Emily", "Ella", "Grace", "Chloe", "Nora", "Hannah", "Zoe", "Leah", "Maya",
    "Priya", "Aaliyah", "Sofia", "Camila", "Lucia", "Mei", "Aisha", "Ingrid", "Rosa",
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry",
    "Theodore", "Jack", "Levi", "Mateo", "Daniel", "Samuel", "Owen", "Caleb", "Isaac",
    "Andre", "Luis", "Jonah", "Omar", "Kenji", "Ravi", "Tomas", "Malik", "Diego", "Felix",
    "Marcus", "Wei", "Sam", "Jordan", "Riley", "Avery", "Quinn", "Casey",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
    "Roberts", "Patel", "Kim", "Chen", "Murphy", "O'Brien", "Sullivan", "Walsh", "Cohen",
    "Okafor", "Silva", "Novak", "Larsen", "Bennett", "Foster",
)  # fmt: skip

# Associates, one per store in order; the large scale cycles through FIRST_NAMES after.
ASSOCIATE_NAMES = (
    "Maya", "Luis", "Priya", "Jonah", "Grace", "Mateo", "Hannah", "Andre", "Sofia",
    "Caleb", "Nora", "Elijah",
)  # fmt: skip

STREETS = (
    "Main Street", "Elm Street", "Maple Avenue", "Oak Street", "Washington Street",
    "Park Avenue", "Pleasant Street", "Church Street", "High Street", "School Street",
    "Union Street", "Prospect Street", "Highland Avenue", "Summer Street", "Water Street",
    "Chestnut Street", "Spring Street", "Cedar Lane", "Franklin Street", "Winter Street",
)  # fmt: skip

# Reserved example domains (RFC 2606): no demo email can reach a real inbox.
CUSTOMER_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

NOTE_BODIES = (
    "Prefers slim fits; ask about the new linen range.",
    "Buying a gift for her sister in June; likes warm colours.",
    "Runs a half size up in boots compared with sneakers.",
    "Avoids wool (itchy); steer to cotton and cashmere-free blends.",
    "Wedding guest in October; wants a dress and matching shoes.",
    "Likes to be texted when new outerwear lands.",
    "Long legs: always check inseam on trousers.",
    "Returned two items for size; measure before suggesting.",
    "Loves navy and camel, never black.",
    "Comes in on Saturday mornings with her kids; keep the fitting room ready.",
    "Corporate gifting contact for his company; ask about bulk orders.",
    "Prefers email over phone calls.",
)  # fmt: skip

LIST_NAMES = (
    "My wishlist", "Autumn wishlist", "Gift ideas", "Wedding guest outfit",
    "Work capsule", "Weekend away", "Try on Saturday", "Winter refresh",
)  # fmt: skip

# The demo's store visits on the timeline, read in the reader's language (omni.stored_text).
VISIT_SUMMARIES = stored_text.register(
    {
        "visit.visited": gettext_lazy("Visited %(store)s"),
        "visit.tried_on": ngettext_lazy(
            "Tried on %(count)d item at %(store)s", "Tried on %(count)d items at %(store)s", "count"
        ),
        "visit.styling": gettext_lazy("Styling appointment with %(associate)s at %(store)s"),
        "visit.gift_card": gettext_lazy("Picked up a gift card at %(store)s"),
        "visit.alterations": gettext_lazy("Asked about alterations at %(store)s"),
    }
)
