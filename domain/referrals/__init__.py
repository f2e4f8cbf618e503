"""referrals context."""
