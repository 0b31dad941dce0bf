"""Blueprint texts that several test modules lint."""

# AV403 (warning) at 9:30, AV301 (error) at 10:30, AV307 (warning) at 11:28.
BAD = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, totp]
      not_configured_action: configure
      last_auth_threshold: seconds=10
"""

# BAD without the threshold: AV403 (warning) at 9:30, AV301 (error) at 10:30, nothing else.
TWO_FINDINGS = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, totp]
      not_configured_action: configure
"""

# Clean on the newest release; AV212 at 9:7 before 2026.5, AV213 at 7:30 before 2025.2.
VERSIONED = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, email]
      not_configured_action: skip
      email_otp_throttling_factor: 2
"""
