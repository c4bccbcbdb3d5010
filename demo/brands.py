"""The four launch brands as demo stores, one per text in shared/seeds (see
POLICY_MATRIX.md). Addresses use .example domains so a demo never e-mails a real
brand. Order times are offsets from the first load (days, hours), so a demo loaded
today and one loaded next month tell the same story."""

from decimal import Decimal

SHOPPER_EMAIL = "shopper@demo.example"
GUEST_EMAIL = "guest@demo.example"

BRANDS = [
    {
        "slug": "iwalk",
        "name": "iWALK",
        "order_number_example": "IW-10042",
        "tagline": "Power banks · 30-day money-back guarantee and warranty",
        "time_zone": "America/Los_Angeles",
        "country": "US",
        "holiday_subdivision": "CA",
        "currency": "USD",
        "support_email": "service@iwalk.example",
        "sender_email": "returns@iwalk.example",
        "support_hours": "Mon–Fri 9:00–17:00 Pacific",
        "return_address": "iWALK Returns\n1200 Harbor Blvd, Unit 5\nFullerton, CA 92832\nUnited States",
        "accent_colour": "#0b5cab",
        "policy_url": "https://iwalk.example/warranty-policy",
        "default_review_sla_days": 3,
        "categories": [("Power banks", 18), ("Cables and chargers", 12), ("Promotional items", None)],
        "products": [
            # sku, name, category, is_accessory, warranty_months (None: the category's), price
            ("IW-LP5", "iWALK LinkPod 5000 mAh", "Power banks", False, None, "29.99"),
            ("IW-MAGX", "iWALK MAG-X 10000 mAh magnetic power bank", "Power banks", False, 24, "59.99"),
            ("IW-CBL-C", "USB-C to USB-C cable 1 m", "Cables and chargers", True, None, "9.99"),
            ("IW-KEY", "iWALK keychain (free gift)", "Promotional items", True, None, "0.00"),
        ],
        "orders": [
            # number, email, name, channel, country, placed days ago, delivered days ago (None: not delivered), lines
            ("IW-10001", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 3, 1, [("IW-LP5", 1, "29.99")]),
            ("IW-10010", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 13, 10, [("IW-MAGX", 1, "59.99")]),
            ("IW-10020", GUEST_EMAIL, "Alex Guest", "online", "US", 23, 20, [("IW-LP5", 2, "29.99")]),  # the README's guest example: unclaimed
            ("IW-10021", GUEST_EMAIL, "Alex Guest", "online", "US", 24, 21, [("IW-LP5", 1, "29.99")]),
            ("IW-10005", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 6, 3, [("IW-MAGX", 1, "59.99")]),
            ("IW-10045", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 48, 45, [("IW-MAGX", 1, "59.99"), ("IW-CBL-C", 1, "9.99")]),
            ("IW-10070", GUEST_EMAIL, "Alex Guest", "online", "CA", 75, 70, [("IW-LP5", 1, "29.99")]),
            ("IW-10400", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 405, 400, [("IW-LP5", 1, "29.99")]),
            ("IW-20001", SHOPPER_EMAIL, "Sam Shopper", "offline", "US", 40, 40, [("IW-MAGX", 1, "64.99")]),
            ("IW-30001", GUEST_EMAIL, "Alex Guest", "unauthorized_reseller", "US", 60, 55, [("IW-MAGX", 1, "39.00")]),
            ("IW-40001", SHOPPER_EMAIL, "Sam Shopper", "free", "US", 30, 27, [("IW-KEY", 1, "0.00")]),
        ],
        # every demo shopper has, in every brand, an order not shipped yet and one on its
        # way (no claim on them), so the reasons offered for each state can be tried
        "special_orders": [
            {"number": "IW-10100", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "US", "placed": 1, "expected_ship": -1, "lines": [("IW-LP5", 1, "29.99")]},
            {"number": "IW-10101", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "US", "placed": 4, "shipped": 2, "picked_up": 2, "lines": [("IW-MAGX", 1, "59.99")]},
            {"number": "IW-10110", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 1, "expected_ship": -1, "lines": [("IW-MAGX", 1, "59.99")]},
            {"number": "IW-10111", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 4, "shipped": 2, "picked_up": 2, "lines": [("IW-LP5", 1, "29.99")]},
        ],
    },
    {
        "slug": "kwoking",
        "name": "KWOKING",
        "tagline": "14-day DOA guarantee · 60-day conditional return",
        "time_zone": "Asia/Shanghai",
        "country": "CN",
        "holiday_subdivision": "",
        "currency": "USD",
        "support_email": "support@kwoking.example",
        "sender_email": "returns@kwoking.example",
        "support_hours": "Mon–Fri 9:00–18:00 China time",
        "return_address": "KWOKING Returns Center\nBuilding 3, 88 Tech Road\nShenzhen 518000\nChina",
        "accent_colour": "#b4232a",
        "policy_url": "https://kwoking.example/return-policy",
        "default_review_sla_days": 3,
        "categories": [("Electronics", 12), ("Home and garden", 6), ("Accessories", 3)],
        "products": [
            ("KW-LAMP", "Solar garden lamp set", "Home and garden", False, None, "34.00"),
            ("KW-CAM", "Wi-Fi security camera", "Electronics", False, None, "49.00"),
            ("KW-SDCARD", "32 GB microSD card", "Accessories", True, None, "8.00"),
            ("KW-STRAP", "Camera mounting strap (gift)", "Accessories", True, None, "0.00"),
        ],
        # parts that come in the box and are not sold separately (P6 "batteries, cables,
        # chargers"): inspection records the missing ones at these values (demo amounts)
        "parts": {"KW-CAM": [("USB charger", "6.00"), ("Charging cable", "3.00"), ("Wall screws and anchors", "2.00")]},
        "orders": [
            ("KW-50001", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 12, 10, [("KW-CAM", 1, "49.00")]),
            ("KW-50045", GUEST_EMAIL, "Alex Guest", "online", "FR", 52, 45, [("KW-LAMP", 2, "34.00")]),
            ("KW-50070", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 78, 70, [("KW-CAM", 1, "49.00")]),
            ("KW-50005", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 7, 4, [("KW-LAMP", 1, "34.00")]),
            ("KW-50006", GUEST_EMAIL, "Alex Guest", "online", "FR", 6, 3, [("KW-CAM", 1, "49.00")]),
            ("KW-50002", SHOPPER_EMAIL, "Sam Shopper", "online", "GB", 20, 14, [("KW-CAM", 1, "49.00", "B1"), ("KW-SDCARD", 1, "8.00", "B1"), ("KW-STRAP", 1, "0.00", "B1", True)]),
            # a return approved and on its way back: the warehouse's receiving screen (demo claims)
            ("KW-50030", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 11, 8, [("KW-LAMP", 1, "34.00")]),
        ],
        "special_orders": [
            # not yet shipped, expected ship date passed
            {"number": "KW-60001", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "DE", "placed": 9, "expected_ship": 2, "lines": [("KW-LAMP", 1, "34.00")]},
            # processed (parcel prepared) but not shipped
            {"number": "KW-60002", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "FR", "placed": 3, "expected_ship": -2, "processed": 1, "lines": [("KW-CAM", 1, "49.00")]},
            # not shipped yet, on time; and two on their way
            {"number": "KW-60003", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "DE", "placed": 1, "expected_ship": -3, "lines": [("KW-CAM", 1, "49.00")]},
            {"number": "KW-60004", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "DE", "placed": 5, "shipped": 3, "picked_up": 3, "lines": [("KW-LAMP", 1, "34.00")]},
            {"number": "KW-60005", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "FR", "placed": 5, "shipped": 3, "picked_up": 3, "lines": [("KW-LAMP", 1, "34.00")]},
        ],
    },
    {
        "slug": "voltaic",
        "name": "Voltaic Components",
        "tagline": "Electronic components · RMA-authorized returns, FedEx or DHL",
        "time_zone": "Asia/Shanghai",
        "country": "CN",
        "holiday_subdivision": "",
        "currency": "USD",
        "support_email": "rma@voltaic.example",
        "sender_email": "rma-desk@voltaic.example",
        "support_hours": "Mon–Fri 9:00–18:00 China time",
        "return_address": "Voltaic Components RMA Dept.\nUnit 12, 5 Industrial Park Road\nDongguan 523000\nChina",
        "accent_colour": "#0f766e",
        "policy_url": "https://voltaic.example/rma",
        "default_review_sla_days": 2,
        "categories": [("Microcontrollers", 12), ("Power modules", 12), ("Connectors", 6)],
        "products": [
            ("VC-MCU32", "VC32 microcontroller board", "Microcontrollers", False, None, "18.50"),
            ("VC-PSU12", "12 V 5 A power module", "Power modules", False, None, "42.00"),
            ("VC-JST10", "JST connector kit (10 pcs)", "Connectors", True, None, "6.40"),
        ],
        "orders": [
            ("VC-70001", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 4, 1, [("VC-MCU32", 10, "18.50")]),
            ("VC-70020", GUEST_EMAIL, "Alex Guest", "online", "US", 26, 20, [("VC-PSU12", 2, "42.00"), ("VC-JST10", 3, "6.40")]),
            ("VC-70045", SHOPPER_EMAIL, "Sam Shopper", "online", "GB", 50, 45, [("VC-PSU12", 1, "42.00")]),
            ("VC-70010", GUEST_EMAIL, "Alex Guest", "online", "US", 12, 10, [("VC-MCU32", 5, "18.50")]),
            ("VC-70005", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 5, 2, [("VC-PSU12", 1, "42.00")]),
            ("VC-70006", GUEST_EMAIL, "Alex Guest", "online", "US", 6, 3, [("VC-MCU32", 2, "18.50")]),
            # a return approved and awaited: the warehouse's receiving screen (demo claims)
            ("VC-70030", SHOPPER_EMAIL, "Sam Shopper", "online", "DE", 10, 7, [("VC-PSU12", 1, "42.00")]),
        ],
        "special_orders": [
            # shipped, in transit, not delivered
            {"number": "VC-70100", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "DE", "placed": 5, "shipped": 3, "picked_up": 3, "lines": [("VC-MCU32", 5, "18.50")], "tracking": ("DHL", "1234567890")},
            {"number": "VC-70111", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 5, "shipped": 3, "picked_up": 3, "lines": [("VC-JST10", 2, "6.40")], "tracking": ("DHL", "1234567891")},
            # not shipped yet
            {"number": "VC-70101", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "DE", "placed": 1, "expected_ship": -2, "lines": [("VC-PSU12", 1, "42.00")]},
            {"number": "VC-70110", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 1, "expected_ship": -2, "lines": [("VC-MCU32", 3, "18.50")]},
        ],
    },
    {
        "slug": "imirror",
        "name": "IMIRROR",
        "tagline": "Smart mirrors · 30-day returns in the U.S.",
        "time_zone": "America/New_York",
        "country": "US",
        "holiday_subdivision": "NY",
        "currency": "USD",
        "support_email": "support@imirror.example",
        "sender_email": "returns@imirror.example",
        "support_hours": "Mon–Fri 9:00–18:00 Eastern",
        "return_address": "IMIRROR Returns Warehouse\n400 Commerce Way\nEdison, NJ 08837\nUnited States",
        "accent_colour": "#4b2e83",
        "policy_url": "https://imirror.example/refund-policy",
        "default_review_sla_days": 3,
        "categories": [("Smart mirrors", 12), ("Mirror accessories", 6)],
        "products": [
            ("IM-SM32", "IMIRROR Smart Mirror 32\"", "Smart mirrors", False, None, "899.00"),
            ("IM-SM32W", "IMIRROR Smart Mirror 32\" (white frame)", "Smart mirrors", False, None, "929.00"),
            ("IM-SM27", "IMIRROR Smart Mirror 27\"", "Smart mirrors", False, None, "799.00"),
            ("IM-MOUNT", "Wall mount kit", "Mirror accessories", True, None, "49.00"),
            ("IM-ADAPT", "Power adapter", "Mirror accessories", True, None, "29.00"),
        ],
        # sku: (model family, exchange group): the 30-day return offers an exchange for
        # another frame colour (a variant) or another size of the mirror (not in the
        # published policy, which names refunds only: a plausible demo of exchanges)
        "product_groups": {
            "IM-SM32": ("IM-SM32", "SMART-MIRRORS"),
            "IM-SM32W": ("IM-SM32", "SMART-MIRRORS"),
            "IM-SM27": ("IM-SM27", "SMART-MIRRORS"),
        },
        "orders": [
            ("IM-80010", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 15, 10, [("IM-SM32", 1, "899.00"), ("IM-MOUNT", 1, "49.00")]),
            ("IM-80011", GUEST_EMAIL, "Alex Guest", "online", "CA", 16, 10, [("IM-SM32", 1, "899.00")]),
            # returned for store credit (demo/claims.py): the admin's ledger has a code with entries
            ("IM-80012", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 14, 9, [("IM-SM27", 1, "799.00")]),
            # three items, each with its own outcome (exchange, refund, store credit): awaiting review
            (
                "IM-80013",
                SHOPPER_EMAIL,
                "Sam Shopper",
                "online",
                "US",
                14,
                9,
                [("IM-SM32", 1, "899.00"), ("IM-SM27", 1, "799.00"), ("IM-SM32W", 1, "929.00")],
            ),
            ("IM-80045", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 50, 45, [("IM-SM32", 1, "899.00")]),
            ("IM-90020", SHOPPER_EMAIL, "Sam Shopper", "crowdfunding", "US", 200, 20, [("IM-SM32", 1, "649.00")]),
            ("IM-80002", GUEST_EMAIL, "Alex Guest", "online", "US", 8, 0, [("IM-ADAPT", 1, "29.00")]),
            ("IM-80005", SHOPPER_EMAIL, "Sam Shopper", "online", "US", 7, 4, [("IM-SM32", 1, "899.00")]),
            ("IM-80006", GUEST_EMAIL, "Alex Guest", "online", "US", 6, 3, [("IM-SM32", 1, "899.00")]),
        ],
        "special_orders": [
            # placed today, not yet picked up by the courier
            {"number": "IM-81001", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "US", "placed": 0, "expected_ship": -1, "lines": [("IM-SM32", 1, "899.00")]},
            # picked up by the carrier, in transit
            {"number": "IM-81002", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 3, "shipped": 2, "picked_up": 2, "lines": [("IM-SM32", 1, "899.00")], "tracking": ("UPS", "1Z999AA10123456784")},
            # not picked up yet, and on their way (no claim on them)
            {"number": "IM-81003", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "US", "placed": 1, "expected_ship": -1, "lines": [("IM-MOUNT", 1, "49.00")]},
            {"number": "IM-81004", "email": SHOPPER_EMAIL, "name": "Sam Shopper", "country": "US", "placed": 3, "shipped": 2, "picked_up": 2, "lines": [("IM-SM32", 1, "899.00")]},
            {"number": "IM-81005", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 1, "expected_ship": -1, "lines": [("IM-SM32", 1, "899.00")]},
            {"number": "IM-81006", "email": GUEST_EMAIL, "name": "Alex Guest", "country": "US", "placed": 3, "shipped": 2, "picked_up": 2, "lines": [("IM-ADAPT", 1, "29.00")]},
        ],
    },
]

SHIPPING_CHARGED = Decimal("7.95")
