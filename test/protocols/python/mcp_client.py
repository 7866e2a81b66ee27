"""Talks to Outrigger's /mcp with the official MCP Python SDK and prints what it saw as one JSON object.

Usage: mcp_client.py URL TOKEN MODE CALLS_JSON
MODE is the SDK's connect mode: "auto" (its newest: probe server/discover at the newest protocol, fall back to the
initialize handshake) or "legacy" (initialize only). CALLS_JSON is a list of [tool, arguments] to call in order.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import LATEST_HANDSHAKE_VERSION, LATEST_PROTOCOL_VERSION


async def main(url: str, token: str, mode: str, calls: list) -> dict:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        listed = await client.list_tools()
        tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]
        results = []
        for name, arguments in calls:
            # The SDK checks structuredContent against the tool's outputSchema itself; a mismatch raises here.
            r = await client.call_tool(name, arguments)
            results.append(r.model_dump(mode="json", by_alias=True, exclude_none=True))
        return {
            "sdkLatestProtocol": LATEST_PROTOCOL_VERSION,
            "sdkLatestHandshake": LATEST_HANDSHAKE_VERSION,
            "protocolVersion": client.protocol_version,
            "serverInfo": client.server_info.model_dump(mode="json") if client.server_info else None,
            "tools": tools,
            "results": results,
        }


if __name__ == "__main__":
    out = asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))
    print(json.dumps(out))
