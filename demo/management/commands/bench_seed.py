from django.core.management.base import BaseCommand, CommandError

from demo.bench import BenchRefused, bench_counts, bench_drop, bench_logins, bench_seed
from demo.services import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Benchmark data on PostgreSQL: N orders and N claims over the four demo stores (COPY, fixed seed), "
        "or --drop to delete it again. Use the benchmark's own database, never a test database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=20_000, help="Orders to write (default 20,000).")
        parser.add_argument("--claims", type=int, default=None, help="Claims to write (default: as many as orders).")
        parser.add_argument("--drop", action="store_true", help="Delete the bench data (and what hangs off it) instead.")

    def handle(self, *args, orders: int, claims: int | None, drop: bool, **options):
        out = self.stdout
        try:
            if drop:
                deleted = bench_drop()
                out.write(self.style.SUCCESS("Bench data deleted: " + ", ".join(f"{n:,} {what}" for what, n in deleted.items())))
                return
            claims = orders if claims is None else claims
            if orders < 1 or claims < 0:
                raise CommandError("--orders must be at least 1 and --claims at least 0.")
            there = bench_counts()
            if there != (0, 0):
                raise CommandError(
                    f"This database already holds bench data ({there[0]:,} orders, {there[1]:,} claims); run bench_seed --drop first."
                )
            result = bench_seed(orders=orders, claims=claims, log=out.write)
        except BenchRefused as exc:
            raise CommandError(str(exc)) from None
        out.write(self.style.SUCCESS(f"Bench data: {result.orders:,} orders, {result.claims:,} claims in {result.seconds:.1f} s"))
        out.write("  rows: " + ", ".join(f"{n:,} {what}" for what, n in result.rows.items()))
        out.write("  due for the SLA sweep: " + ", ".join(f"{n:,} {what}" for what, n in result.due.items()))
        out.write(f"  logins (password for all: {DEMO_PASSWORD})")
        for email, what in bench_logins():
            out.write(f"    {email:<36} {what}")
