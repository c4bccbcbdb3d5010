from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """One account across every brand; the e-mail address is the login."""

    store_path = "store_memberships__store"

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


class StoreMembership(models.Model):
    """A staff user works for one or more stores; their roles (groups) apply there.
    Read it only through accounts.access."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="store_memberships")
    store = models.ForeignKey("orders.Store", on_delete=models.CASCADE, related_name="memberships")

    store_path = "store"

    class Meta:
        db_table = "orders_storemembership"  # the table it had when orders owned it
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="orders_membership_unique")]
        verbose_name = _("store membership")

    def __str__(self) -> str:
        return f"{self.user} @ {self.store}"
