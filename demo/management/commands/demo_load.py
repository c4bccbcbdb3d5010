from django.conf import settings
from django.core.management.base import BaseCommand

from demo.claims import demo_parcels_expected
from demo.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the four launch brands with products, orders and demo logins (idempotent), and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.PORTAL_BASE_URL, help="Base URL to print.")
        parser.add_argument("--no-claims", action="store_true", help="Stores, orders and logins only.")

    def handle(self, *args, url: str, no_claims: bool = False, **options):
        logins = demo_load(with_claims=not no_claims)
        url = url.rstrip("/")
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Returns portal demo"))
        out.write(f"  Shopper portal : {url}/")
        out.write(f"  Staff admin    : {url}/admin/")
        out.write(f"  E-mails        : written as files to {settings.EMAIL_FILE_PATH}/ (when EMAIL_URL is unset)")
        out.write("")
        out.write(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            out.write(f"    {login.email:<36} {login.role:<10} {login.stores}")
        out.write("")
        parcels = demo_parcels_expected()
        if parcels:
            out.write(
                f"  Parcels expected (sign in as warehouse@<brand>.demo.example, scan at {url}/admin/claims/claim/receive/)"
            )
            for store, order, rma in parcels:
                out.write(f"    {rma:<16} {store:<20} order {order}")
            out.write("")
