"""List what the phone re-normalisation (customers 0009) leaves for an associate: the
customers that now share a number (possibly one person: merge them in the back-office's
"Possible duplicates") and the numbers that could not be read (kept as typed). Merges
nothing."""

from django.core.management.base import BaseCommand

from customers.selectors import customers_sharing_a_phone, customers_with_unreadable_phone


class Command(BaseCommand):
    help = "List customers sharing a phone number and phones that are not valid E.164."

    def handle(self, *args, **options) -> None:
        groups = customers_sharing_a_phone()
        self.stdout.write(f"Customers sharing a phone number: {len(groups)}")
        for group in groups:
            who = ", ".join(f"#{c.pk} {c}" for c in group.customers)
            self.stdout.write(f"  {group.phone}: {who}")
        unreadable = customers_with_unreadable_phone()
        self.stdout.write(f"Phone numbers that could not be read: {len(unreadable)}")
        for customer in unreadable:
            self.stdout.write(f"  #{customer.pk} {customer}: {customer.phone}")
