"""Areas (prefectures, municipalities, designated-city wards) and postal codes."""
