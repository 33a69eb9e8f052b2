"""HTML pages (consent, errors, index) and the generated avatar images."""
import hashlib
import struct
import zlib

from flask import make_response, render_template

from ..accounts.personas import PERSONAS

SCOPE_HELP = {
    "instagram_business_basic": "Your profile and media",
    "instagram_business_content_publish": "Publish posts, reels and stories",
    "instagram_business_manage_comments": "Read and manage comments",
    "instagram_business_manage_messages": "Read and send messages",
    "instagram_business_manage_insights": "Read insights",
    "public_profile": "Your name and profile picture",
    "instagram_basic": "Your Instagram profile and media",
    "instagram_content_publish": "Publish to Instagram",
    "pages_show_list": "Show the list of Pages you manage",
}


def render_consent(dialog, app_name, action, args, requested, checked, persona, username):
    """The consent page; its GET form comes back with the sandbox_* parameters."""
    hidden = [(key, value) for key, value in args.items(multi=True)
              if not key.startswith("sandbox_")]
    scopes = [{"name": name, "help": SCOPE_HELP.get(name, ""), "checked": name in checked,
               "required": name == dialog.required} for name in requested]
    return render_template("consent.html", dialog=dialog, app_name=app_name, action=action,
                           hidden=hidden, scopes=scopes, personas=list(PERSONAS),
                           persona=persona, username=username or "")


def render_error(title, message, status):
    return make_response(render_template("error.html", title=title, message=message), status)


def render_index(urls, accounts):
    return render_template("index.html", urls=urls, accounts=accounts)


def avatar_png(username, size=64):
    """A solid-colour PNG whose colour comes from the username."""
    red, green, blue = hashlib.sha256(username.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * size
    raw = zlib.compress(row * size)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))
